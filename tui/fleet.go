package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/tui/render"
)

// Messages of the fleet list: a check of every instance (Options.Fleet) reports its progress on the
// runner's bus, then its results.
type (
	fleetProgressMsg fleet.Progress
	fleetCheckedMsg  struct {
		results []fleet.Result
		err     error
	}
	// fleetMsg goes back from an instance's dashboard to the list of instances.
	fleetMsg struct{}
)

// fleetScreen is the wizard's first screen when the region has several instances: one line per
// instance (what it needs, worst first), checked by Options.Fleet; enter opens one's dashboard.
type fleetScreen struct {
	c       *common
	keys    keyMap
	region  string
	names   []string // the instances before the first check ends
	results []fleet.Result
	checked bool
	// canCheck: there is a check (Options.Fleet), so r checks again.
	canCheck bool
	checking bool
	progress fleet.Progress
	// engines are the instances opened so far: opening one again reuses its engine (its journal's
	// lock is held until the wizard ends).
	engines map[string]*steps.Engine
	cursor  int
	top     int // the first line shown when the list is longer than the screen
	opening string
	err     error
	w, h    int
}

func newFleetScreen(c *common, region string, instances []string, canCheck bool) *fleetScreen {
	f := &fleetScreen{c: c, keys: defaultKeys(), region: region, names: instances, canCheck: canCheck,
		engines: map[string]*steps.Engine{}}
	f.keys.Open.SetHelp("enter", "open instance")
	f.keys.Recheck.SetHelp("r", "check all again")
	return f
}

func (f *fleetScreen) SetSize(w, h int) { f.w, f.h = w, h }
func (f *fleetScreen) Capturing() bool  { return false }

func (f *fleetScreen) Help() keyHelp {
	k := f.keys
	enable(&k.Open, f.opening == "" && f.len() > 0)
	enable(&k.Recheck, f.opening == "" && !f.checking && f.canCheck)
	return keyHelp{short: []key.Binding{k.Up, k.Down, k.Open, k.Recheck}, full: [][]key.Binding{{k.Up, k.Down}, {k.Open, k.Recheck}}}
}

// len is how many instances the list shows.
func (f *fleetScreen) len() int {
	if f.checked {
		return len(f.results)
	}
	return len(f.names)
}

// name is the instance on line i.
func (f *fleetScreen) name(i int) string {
	if f.checked {
		return f.results[i].Name
	}
	return f.names[i]
}

// startCheck marks the list as being checked (again).
func (f *fleetScreen) startCheck() {
	f.checking, f.err = true, nil
	f.progress = fleet.Progress{Total: f.len()}
}

// done takes a check's results; the cursor stays on the instance it was on.
func (f *fleetScreen) done(msg fleetCheckedMsg) {
	f.checking = false
	if msg.err != nil {
		f.err = msg.err
		return
	}
	at := ""
	if f.checked && f.len() > 0 { // the first check starts on the worst
		at = f.name(f.cursor)
	}
	f.results, f.checked, f.cursor = msg.results, true, 0
	for i, r := range f.results {
		if r.Name == at {
			f.cursor = i
		}
	}
}

func (f *fleetScreen) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok || f.opening != "" {
		return nil
	}
	switch {
	case key.Matches(km, f.keys.Up) && f.cursor > 0:
		f.cursor--
	case key.Matches(km, f.keys.Down) && f.cursor < f.len()-1:
		f.cursor++
	case key.Matches(km, f.keys.Recheck) && !f.checking && f.canCheck:
		return send(recheckMsg{})
	case key.Matches(km, f.keys.Open) && f.len() > 0:
		f.opening, f.err = f.name(f.cursor), nil
		return send(chooseMsg{instance: f.opening})
	}
	return nil
}

func (f *fleetScreen) View() string {
	st := f.c.styles
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", st.Title.Render(fmt.Sprintf("%d Lightsail instances in %s: which one?", f.len(), f.region)))
	switch {
	case f.checking:
		fmt.Fprintf(&b, "%s %s\n\n", f.c.spinner.View(), render.FleetProgress(f.progress))
	case f.checked:
		fmt.Fprintf(&b, "%s\n\n", st.Subtle.Render(render.FleetSummary(f.results)))
	default:
		b.WriteString("\n")
	}
	var foot strings.Builder
	if f.opening != "" {
		fmt.Fprintf(&foot, "\n%s opening %s…\n", f.c.spinner.View(), f.opening)
	}
	if f.err != nil {
		fmt.Fprintf(&foot, "\n%s %s\n", st.Failed.Render("✗"), f.err)
	}
	room := f.h - lipgloss.Height(wrapText(strings.TrimSuffix(b.String()+foot.String(), "\n"), f.w))
	b.WriteString(f.rows(room))
	b.WriteString(foot.String())
	return b.String()
}

// rows are the instances' lines that fit in room lines, scrolled so the cursor's is among them.
func (f *fleetScreen) rows(room int) string {
	st := f.c.styles
	cols := render.NewFleetColumns(f.results)
	blocks := make([]string, f.len())
	for i := range blocks {
		cur := "  "
		if i == f.cursor {
			cur = st.Cursor.Render("› ")
		}
		if !f.checked {
			blocks[i] = fmt.Sprintf("%s%s %s\n", cur, f.names[i], st.Subtle.Render("not checked yet"))
			continue
		}
		blocks[i] = cur + render.FleetLine(st.Theme, f.results[i], cols) + "\n"
		if fix := render.FleetFix(st.Theme, f.results[i]); fix != "" {
			blocks[i] += "    " + fix + "\n"
		}
	}
	height := func(i int) int { return lipgloss.Height(wrapText(strings.TrimSuffix(blocks[i], "\n"), f.w)) }
	span := func(from, to int) (n int) {
		for i := from; i <= to; i++ {
			n += height(i)
		}
		return n
	}
	f.top = min(f.top, f.cursor)
	for f.top < f.cursor && span(f.top, f.cursor) > room {
		f.top++
	}
	var b strings.Builder
	for i, used := f.top, 0; i < len(blocks) && (used+height(i) <= room || i == f.top); i++ {
		used += height(i)
		b.WriteString(blocks[i])
	}
	return b.String()
}

// checkFleet checks every instance with Options.Fleet, its progress on the runner's bus.
func (m *model) checkFleet() tea.Cmd {
	check, ctx, bus := m.opts.Fleet, m.run.ctx, m.run.bus
	m.fleet.startCheck()
	return tea.Batch(m.spin(), func() tea.Msg {
		results, err := check(ctx, func(p fleet.Progress) {
			select {
			case bus <- fleetProgressMsg(p):
			case <-ctx.Done():
			}
		})
		return fleetCheckedMsg{results: results, err: err}
	})
}

// onFleet handles the fleet list's messages, and esc on a dashboard opened from it.
func (m *model) onFleet(msg tea.Msg) (tea.Cmd, bool) {
	if m.fleet == nil {
		return nil, false
	}
	switch msg := msg.(type) {
	case fleetProgressMsg:
		if m.fleet.checking {
			m.fleet.progress = fleet.Progress(msg)
		}
		return m.run.listen(), true
	case chooseMsg:
		if e, ok := m.fleet.engines[msg.instance]; ok {
			return send(openedMsg{instance: msg.instance, engine: e}), true
		}
		return nil, false
	case openedMsg:
		if msg.err == nil {
			m.fleet.engines[msg.instance] = msg.engine
		}
		return nil, false // the model opens its dashboard
	case undoPlanMsg:
		// What undo would reverse on an instance the user has gone back from is of no use now.
		return nil, m.dash == nil
	case fleetCheckedMsg:
		m.fleet.done(msg)
		return nil, true
	case recheckMsg:
		if m.screen != m.fleet {
			return nil, false
		}
		return m.checkFleet(), true
	case fleetMsg:
		// The dashboard's instance stays open (cmd closes its session at the end); the recap is of
		// the instance the wizard ends on.
		m.fleet.opening, m.dash, m.id.instance = "", nil, ""
		return m.focus(m.fleet), true
	case tea.KeyPressMsg:
		if m.screen == m.dash && m.modal == nil && m.logView == nil && !m.active() && key.Matches(msg, m.keys.Back) {
			return send(fleetMsg{}), true
		}
	}
	return nil, false
}
