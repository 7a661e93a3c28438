package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// picker asks which instance to harden when the region has several.
type picker struct {
	c         *common
	keys      keyMap
	region    string
	instances []string
	cursor    int
	opening   string
	err       error
	w, h      int
}

func newPicker(c *common, region string, instances []string) *picker {
	p := &picker{c: c, keys: defaultKeys(), region: region, instances: instances}
	p.keys.Open.SetHelp("enter", "choose")
	return p
}

func (p *picker) SetSize(w, h int) { p.w, p.h = w, h }
func (p *picker) Capturing() bool  { return false }

func (p *picker) Help() keyHelp {
	k := p.keys
	enable(&k.Open, p.opening == "")
	return keyHelp{short: []key.Binding{k.Up, k.Down, k.Open}, full: [][]key.Binding{{k.Up, k.Down, k.Open}}}
}

func (p *picker) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok || p.opening != "" {
		return nil
	}
	switch {
	case key.Matches(km, p.keys.Up) && p.cursor > 0:
		p.cursor--
	case key.Matches(km, p.keys.Down) && p.cursor < len(p.instances)-1:
		p.cursor++
	case key.Matches(km, p.keys.Open):
		p.opening, p.err = p.instances[p.cursor], nil
		return send(chooseMsg{instance: p.opening})
	}
	return nil
}

func (p *picker) View() string {
	st := p.c.styles
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", st.Title.Render(fmt.Sprintf("%d Lightsail instances in %s: which one?", len(p.instances), p.region)))
	for i, n := range p.instances {
		cur := "  "
		if i == p.cursor {
			cur = st.Cursor.Render("› ")
		}
		b.WriteString(cur + n + "\n")
	}
	if p.opening != "" {
		fmt.Fprintf(&b, "\n%s opening %s…\n", p.c.spinner.View(), p.opening)
	}
	if p.err != nil {
		fmt.Fprintf(&b, "\n%s %s\n", st.Failed.Render("✗"), p.err)
	}
	return b.String()
}
