package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/theme"
)

// model is the root: it owns the window size, the global keys, the focused screen and the modal
// layer, and it is the only one that starts engine calls.
type model struct {
	opts   Options
	c      *common
	keys   keyMap
	run    *runner
	id     identity
	dash   *dashboard
	screen screen
	modal  *modal
	help   help.Model
	w, h   int
	// busy is an apply or undo in flight; checking a verify.
	busy, checking bool
	spinning       bool
	progress       *progressScreen
	quitAfter      bool
	// viewHook sees every frame; the tests read the screen through it (the terminal output holds
	// only the cells that changed).
	viewHook func(string)
	now      func() time.Time
}

func newModel(o Options, r *runner, t theme.Theme) *model {
	c := &common{styles: theme.NewWizard(t, true)}
	c.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.styles.Pending))
	m := &model{opts: o, c: c, keys: defaultKeys(), run: r, help: help.New(), now: time.Now}
	m.help.Styles = c.styles.Help
	m.id = identity{who: o.Identity.ARN, account: o.Identity.Account, instance: o.Instance, region: o.Region,
		ssh: o.SSH, root: o.Identity.Root}
	if o.Engine != nil {
		r.attach(o.Engine)
		m.dash = newDashboard(c, m.id, o.Engine.Steps)
		m.screen = m.dash
	} else {
		m.screen = newPicker(c, o.Region, o.Instances)
	}
	return m
}

func (m *model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.run.listen()}
	if m.c.styles.Color {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.dash != nil {
		cmds = append(cmds, m.startCheck())
	}
	return tea.Batch(cmds...)
}

func (m *model) startCheck() tea.Cmd {
	m.checking = true
	m.dash.startCheck()
	return tea.Batch(m.run.verify("", nil), m.spin())
}

// spin starts the spinner's ticks if they are not running.
func (m *model) spin() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return m.c.spinner.Tick
}

func (m *model) active() bool {
	if m.busy || m.checking {
		return true
	}
	if s, ok := m.screen.(*stepScreen); ok && s.phase == phasePlanning {
		return true
	}
	if p, ok := m.screen.(*picker); ok && p.opening != "" {
		return true
	}
	if u, ok := m.screen.(*undoScreen); ok && !u.loaded {
		return true
	}
	return false
}

func (m *model) resize() {
	m.help.SetWidth(m.w)
	m.screen.SetSize(m.w, m.bodyHeight())
	if m.dash != nil && m.screen != m.dash {
		m.dash.SetSize(m.w, m.bodyHeight())
	}
}

func (m *model) helpKeys() keyHelp {
	h := m.screen.Help()
	if m.modal != nil {
		h = m.modal.Help()
	}
	g := m.keys
	if m.capturing() {
		g.Quit.SetHelp("ctrl+c", "quit")
		enable(&g.Help, false)
	}
	return withGlobal(h, g)
}

func (m *model) capturing() bool {
	if m.modal != nil {
		return m.modal.Capturing()
	}
	return m.screen.Capturing()
}

func (m *model) bodyHeight() int {
	return max(m.h-2-lipgloss.Height(m.help.View(m.helpKeys())), 1)
}

func (m *model) focus(s screen) tea.Cmd {
	m.screen = s
	m.resize()
	if st, ok := s.(*stepScreen); ok {
		return st.Init()
	}
	return nil
}

// next is the first step after `after` that needs attention, in registry order.
func (m *model) next(after string) (steps.Result, bool) {
	rs := m.dash.results()
	i := slices.IndexFunc(rs, func(r steps.Result) bool { return r.Step == after })
	for _, r := range rs[i+1:] {
		if r.Status == steps.StatusDrift || r.Status == steps.StatusPending {
			return r, true
		}
	}
	return steps.Result{}, false
}

func (m *model) openStep(r steps.Result) tea.Cmd {
	m.dash.selectStep(r.Step)
	return m.focus(newStepScreen(m.c, r, m.run.engine.Env.Settings, stepOf(m.run.engine.Steps, r.Step)))
}

func (m *model) quit() tea.Cmd {
	if m.busy {
		if m.modal == nil {
			m.modal = newQuitGuard(m.c, m.w)
		}
		return nil
	}
	return tea.Quit
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.resize()
		// A form inside the screen sizes itself from this (its height, its wrapping).
		return m, m.screen.Update(tea.WindowSizeMsg{Width: m.w, Height: m.bodyHeight()})
	case tea.BackgroundColorMsg:
		if m.c.styles.Color {
			m.c.styles = theme.NewWizard(m.c.styles.Theme, msg.IsDark())
			m.help.Styles = m.c.styles.Help
		}
		return m, nil
	case spinner.TickMsg:
		if !m.active() {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.c.spinner, cmd = m.c.spinner.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.Quit) && (msg.String() == "ctrl+c" || !m.capturing()) {
			if m.modal != nil && m.modal.ask != nil && msg.String() == "ctrl+c" {
				m.modal.dismiss()
				m.modal = nil
			}
			return m, m.quit()
		}
		if key.Matches(msg, m.keys.Help) && !m.capturing() {
			m.help.ShowAll = !m.help.ShowAll
			m.resize()
			return m, nil
		}
		if m.modal != nil {
			return m, m.updateModal(msg)
		}
		return m, m.screen.Update(msg)
	case eventMsg:
		m.onEvent(steps.Event(msg))
		return m, m.run.listen()
	case askMsg:
		if m.quitAfter {
			msg.reply <- askReply{err: errAskCancelled}
			return m, m.run.listen()
		}
		if m.modal != nil && m.modal.ask == nil {
			m.modal = nil // a question from the step outranks the quit guard
		}
		md, cmd := newAskModal(m.c, msg, m.w)
		m.modal = md
		return m, tea.Batch(cmd, m.run.listen())
	case openedMsg:
		p, _ := m.screen.(*picker)
		if msg.err != nil {
			if p != nil {
				p.opening, p.err = "", msg.err
			}
			return m, nil
		}
		m.run.attach(msg.engine)
		m.id.instance = msg.instance
		m.dash = newDashboard(m.c, m.id, msg.engine.Steps)
		return m, tea.Batch(m.focus(m.dash), m.startCheck())
	case chooseMsg:
		return m, tea.Batch(m.open(msg.instance), m.spin())
	case verifiedMsg:
		return m, m.onVerified(msg)
	case undoPlanMsg:
		if msg.step == "" {
			m.dash.undoable = map[string]int{}
			for _, e := range msg.entries {
				m.dash.undoable[e.Step]++
			}
			m.dash.refreshKeys()
			return m, nil
		}
		if u, ok := m.screen.(*undoScreen); ok && u.step == msg.step {
			u.loadedPlan(msg)
		}
		return m, nil
	case appliedMsg:
		m.busy = false
		m.progress.finished(msg.outs)
		if m.quitAfter {
			return m, tea.Quit
		}
		m.checking = true
		return m, tea.Batch(m.run.verify(msg.step, nil), m.run.undoPlan(""))
	case undoneMsg:
		m.busy = false
		m.progress.finished(msg.outs)
		if m.quitAfter {
			return m, tea.Quit
		}
		return m, m.startCheck()
	case openStepMsg:
		r, ok := m.dash.result(msg.step)
		if !ok {
			return m, nil
		}
		return m, m.openStep(r)
	case backMsg:
		return m, m.focus(m.dash)
	case recheckMsg:
		return m, m.startCheck()
	case replanMsg:
		return m, tea.Batch(m.run.verify(msg.step, &msg.settings), m.spin())
	case applyMsg:
		m.busy = true
		m.progress = newProgress(m.c, "Applying", msg.result.Step, m.now)
		return m, tea.Batch(m.focus(m.progress), m.run.apply(msg.result), m.spin())
	case skipMsg, continueMsg:
		after := ""
		if s, ok := msg.(skipMsg); ok {
			after = s.step
			m.dash.flash = s.step + " skipped: nothing was changed."
		} else {
			after = msg.(continueMsg).after
		}
		if r, ok := m.next(after); ok {
			return m, m.openStep(r)
		}
		return m, m.focus(m.dash)
	case undoMsg:
		u := newUndoScreen(m.c, msg.step)
		return m, tea.Batch(m.focus(u), m.run.undoPlan(msg.step), m.spin())
	case confirmUndo:
		m.busy = true
		step := ""
		if len(msg.entries) > 0 {
			step = msg.entries[0].Step
		}
		m.progress = newProgress(m.c, "Undoing", step, m.now)
		return m, tea.Batch(m.focus(m.progress), m.run.undo(msg.entries), m.spin())
	}
	// Anything else (a form's blink, a viewport's scroll) belongs to the focused layer.
	if m.modal != nil {
		return m, m.updateModal(msg)
	}
	return m, m.screen.Update(msg)
}

// updateModal gives msg to the modal and removes it once it is answered.
func (m *model) updateModal(msg tea.Msg) tea.Cmd {
	md := m.modal
	cmd := md.Update(msg)
	if !md.done {
		return cmd
	}
	m.modal = nil
	if md.quit {
		m.quitAfter = true
		if m.progress != nil {
			m.progress.quitting = true
		}
		if !m.busy {
			return tea.Quit
		}
	}
	return cmd
}

func (m *model) open(instance string) tea.Cmd {
	open, ctx := m.opts.Open, m.run.ctx
	return func() tea.Msg {
		if open == nil {
			return openedMsg{instance: instance, err: fmt.Errorf("no way to open instance %s", instance)}
		}
		e, err := open(ctx, instance)
		return openedMsg{instance: instance, engine: e, err: err}
	}
}

func (m *model) onEvent(ev steps.Event) {
	switch ev.Kind {
	case steps.EventCheckDone:
		if m.checking && m.dash != nil {
			m.dash.checked(ev)
		}
		return
	case steps.EventCheckStart:
		return
	}
	if m.progress != nil && !m.progress.done {
		m.progress.event(ev)
	}
}

func (m *model) onVerified(msg verifiedMsg) tea.Cmd {
	m.checking = false
	m.dash.setResults(msg.results, msg.only == "")
	if msg.only == "" {
		return m.run.undoPlan("")
	}
	if s, ok := m.screen.(*stepScreen); ok && s.result.Step == msg.only && len(msg.results) == 1 {
		// The answers are in force from now on: the next plans and the apply use them.
		s.planned(msg.results[0], m.run.engine.Env.Settings)
		s.SetSize(m.w, m.bodyHeight())
	}
	return nil
}

func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	if m.viewHook != nil {
		m.viewHook(v.Content)
	}
	return v
}

func (m *model) render() string {
	if m.w < minWidth || m.h < minHeight {
		return fmt.Sprintf(tooSmallText, minWidth, minHeight) + fmt.Sprintf("\n(now %d×%d)", m.w, m.h)
	}
	st := m.c.styles
	head := st.Header.Render("hardsail")
	if m.id.instance != "" {
		head += st.Subtle.Render(fmt.Sprintf("  %s · %s", m.id.instance, m.id.region))
	}
	if m.opts.Demo {
		head += "  " + st.Banner.Render("DEMO — nothing real is changed")
	}
	if m.quitAfter {
		head += "  " + st.Warning.Render("quitting after this change")
	}
	bodyH := m.bodyHeight()
	body := m.screen.View()
	if m.modal != nil {
		body = lipgloss.Place(m.w, bodyH, lipgloss.Center, lipgloss.Center, m.modal.View())
	}
	helpView := st.Footer.Render(m.help.View(m.helpKeys()))
	return strings.Join([]string{fit(head, m.w, 1), fit(body, m.w, bodyH), "", fit(helpView, m.w, lipgloss.Height(helpView))}, "\n")
}
