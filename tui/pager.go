package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
)

// pager is a viewport over text wrapped (never cut) to its width, with the keys that move through
// it — ↑/↓, pgup/pgdn, home/end and g/G — and a mark that says which lines are on the screen.
type pager struct {
	vp   viewport.Model
	keys keyMap
	text string
	w    int
}

func newPager() pager {
	p := pager{vp: viewport.New(), keys: defaultKeys()}
	p.vp.KeyMap.Up.SetKeys("up", "k")
	p.vp.KeyMap.Down.SetKeys("down", "j")
	return p
}

// SetText replaces the text; top says whether to show its start (else its end, for a log).
func (p *pager) SetText(s string, top bool) {
	p.text = s
	p.vp.SetContent(wrapText(s, p.w))
	if top {
		p.vp.GotoTop()
	} else {
		p.vp.GotoBottom()
	}
}

func (p *pager) SetSize(w, h int) {
	if w != p.w {
		p.w = w
		p.vp.SetWidth(w)
		p.vp.SetContent(wrapText(p.text, w))
	}
	p.vp.SetHeight(max(h, 1))
}

// Scrolls reports whether the text is longer than the pager.
func (p *pager) Scrolls() bool { return p.vp.TotalLineCount() > p.vp.Height() }

// Update moves through the text on a key; it reports whether the key was one of the pager's.
func (p *pager) Update(msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		p.vp, cmd = p.vp.Update(msg)
		return cmd, false
	}
	switch {
	case key.Matches(km, p.keys.PageDown):
		p.vp.PageDown()
	case key.Matches(km, p.keys.PageUp):
		p.vp.PageUp()
	case key.Matches(km, p.keys.Top):
		p.vp.GotoTop()
	case key.Matches(km, p.keys.Bottom):
		p.vp.GotoBottom()
	case key.Matches(km, p.keys.Up):
		p.vp.ScrollUp(1)
	case key.Matches(km, p.keys.Down):
		p.vp.ScrollDown(1)
	default:
		return nil, false
	}
	return nil, true
}

func (p *pager) View() string { return p.vp.View() }

// Mark says which lines are on the screen when the text does not fit ("" when it does): words a
// reader cannot take for the progress of a change.
func (p *pager) Mark() string {
	if !p.Scrolls() {
		return ""
	}
	first := p.vp.YOffset() + 1
	last := min(p.vp.YOffset()+p.vp.Height(), p.vp.TotalLineCount())
	more := "more below"
	if p.vp.AtBottom() {
		more = "end"
	}
	return fmt.Sprintf("lines %d–%d of %d, %s", first, last, p.vp.TotalLineCount(), more)
}

// Bindings are the pager's keys for a help line.
func (p *pager) Bindings() []key.Binding {
	k := p.keys
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom} {
		enable(b, p.Scrolls())
	}
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// Follow replaces the text and stays at its end, unless the reader has scrolled up.
func (p *pager) Follow(s string) {
	atEnd := p.vp.AtBottom() || !p.Scrolls()
	p.text = s
	p.vp.SetContent(wrapText(s, p.w))
	if atEnd {
		p.vp.GotoBottom()
	}
}
