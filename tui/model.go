package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
	"github.com/hardsail/hardsail/tui/theme"
)

// model is the root: it owns the window size, the global keys, the focused screen and the modal
// layer, and it is the only one that starts engine calls.
type model struct {
	opts Options
	c    *common
	keys keyMap
	run  *runner
	id   identity
	dash *dashboard
	// fleet is the list of instances the wizard opened on (Options.Fleet), nil with one instance.
	fleet  *fleetScreen
	screen screen
	modal  *modal
	help   help.Model
	w, h   int
	// busy is an apply or undo in flight; checking a verify.
	busy, checking bool
	spinning       bool
	progress       *progressScreen
	quitAfter      bool
	// log is the command log: every AWS operation and remote command, shown in its own layer
	// (key l), never on the main screen.
	log     []string
	logView *pager
	// viewHook sees every frame; the tests read the screen through it (the terminal output holds
	// only the cells that changed).
	viewHook func(string)
	now      func() time.Time
}

func newModel(o Options, r *runner, t theme.Theme) *model {
	c := &common{styles: theme.NewWizard(t, true)}
	c.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.styles.Pending))
	m := &model{opts: o, c: c, keys: defaultKeys(), run: r, help: help.New(), now: o.clock()}
	c.now, c.local, c.zones = func() time.Time { return m.now() }, o.zone(), map[string]*time.Location{}
	m.help.Styles = c.styles.Help
	m.id = identity{who: o.Identity.ARN, account: o.Identity.Account, instance: o.Instance, region: o.Region,
		ssh: o.SSH, root: o.Identity.Root}
	r.asker = o.asker
	if o.Engine != nil {
		r.attach(o.Engine)
		m.dash = newDashboard(c, m.id, o.Engine.Steps)
		m.screen = m.dash
	} else {
		m.fleet = newFleetScreen(c, o.Region, o.Instances, o.Fleet != nil)
		m.screen = m.fleet
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
	} else if m.opts.Fleet != nil {
		cmds = append(cmds, m.checkFleet())
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
	if m.screen == m.fleet && (m.fleet.opening != "" || m.fleet.checking) {
		return true
	}
	if u, ok := m.screen.(*undoScreen); ok && !u.loaded {
		return true
	}
	if h, ok := m.screen.(*historyScreen); ok && !h.read {
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
	if m.modal != nil {
		if m.modal.FullScreen() {
			m.modal.SetSize(m.w, m.h-m.helpHeight())
		} else {
			m.modal.SetSize(m.w, m.bodyHeight())
		}
	}
	if m.logView != nil {
		m.logView.SetSize(m.w, m.bodyHeight()-3)
	}
}

func (m *model) helpKeys() keyHelp {
	h := m.screen.Help()
	g := m.keys
	switch {
	case m.modal != nil:
		h = m.modal.Help()
		enable(&g.Log, false)
	case m.logView != nil:
		k := m.keys
		k.Back.SetHelp("esc/l", "close the log")
		scroll := m.logView.Bindings()
		h = keyHelp{short: []key.Binding{k.Back, scroll[3]}, full: [][]key.Binding{{k.Back}, scroll}}
		enable(&g.Log, false)
	}
	if m.fleet != nil && m.screen == m.dash && m.modal == nil && m.logView == nil {
		b := m.keys.Back
		b.SetHelp("esc", "all instances")
		enable(&b, !m.active())
		h.short = append(h.short, b)
		h.full = append(h.full, []key.Binding{b})
	}
	if m.capturing() {
		g.Quit.SetHelp("ctrl+c", "quit")
		enable(&g.Help, false)
		enable(&g.Log, false)
	}
	return withGlobal(h, g)
}

func (m *model) capturing() bool {
	if m.modal != nil {
		return m.modal.Capturing()
	}
	return m.screen.Capturing()
}

func (m *model) helpHeight() int { return lipgloss.Height(m.helpView()) }

// helpView is the help under the screen: the short help wraps between keys rather than cutting
// them off; the full help (?) is bubbles' columns.
func (m *model) helpView() string {
	if m.help.ShowAll {
		return m.help.View(m.helpKeys())
	}
	return shortHelp(m.help.Styles, m.helpKeys().ShortHelp(), m.w)
}

// bodyHeight is what is left for the screen under the header (which wraps, never cut) and above
// a blank line and the help.
func (m *model) bodyHeight() int {
	return max(m.h-1-strings.Count(m.header(), "\n")-1-m.helpHeight(), 1)
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
		if walked(stepOf(m.run.engine.Steps, r.Step), r, m.dash.settings) {
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
	if m.busy && m.progress != nil && m.progress.waiting && m.modal == nil {
		// Only waiting: nothing is half done, so quitting stops the wait and needs no guard.
		m.quitAfter, m.progress.quitting = true, true
		return m.progress.leave()
	}
	if m.busy {
		if m.modal == nil {
			m.modal = newQuitGuard(m.c, m.w)
		}
		return nil
	}
	return tea.Quit
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	for _, on := range []func(tea.Msg) (tea.Cmd, bool){m.onFleet, m.onTerminal, m.onRun, m.onNavigation} {
		if cmd, ok := on(msg); ok {
			return m, cmd
		}
	}
	// Anything else (a form's blink, a viewport's scroll) belongs to the focused layer.
	if m.modal != nil {
		return m, m.updateModal(msg)
	}
	return m, m.screen.Update(msg)
}

// onTerminal handles what the terminal sends: its size and colours, the spinner, keys.
func (m *model) onTerminal(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.resize()
		// A form inside the screen sizes itself from this (its height, its wrapping).
		return m.screen.Update(tea.WindowSizeMsg{Width: m.w, Height: m.bodyHeight()}), true
	case tea.BackgroundColorMsg:
		if m.c.styles.Color {
			m.c.styles = theme.NewWizard(m.c.styles.Theme, msg.IsDark())
			m.help.Styles = m.c.styles.Help
		}
		return nil, true
	case spinner.TickMsg:
		if !m.active() {
			m.spinning = false
			return nil, true
		}
		var cmd tea.Cmd
		m.c.spinner, cmd = m.c.spinner.Update(msg)
		return cmd, true
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.Quit) && (msg.String() == "ctrl+c" || !m.capturing()) {
			if m.modal != nil && m.modal.ask != nil && msg.String() == "ctrl+c" {
				m.modal.dismiss()
				m.modal = nil
			}
			return m.quit(), true
		}
		if key.Matches(msg, m.keys.Help) && !m.capturing() {
			m.help.ShowAll = !m.help.ShowAll
			m.resize()
			return nil, true
		}
		if m.modal != nil {
			return m.updateModal(msg), true
		}
		if cmd, ok := m.onLogKey(msg); ok {
			return cmd, true
		}
		return m.screen.Update(msg), true
	}
	return nil, false
}

// onRun handles what the engine and the runner report: events, questions, results.
func (m *model) onRun(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case eventMsg:
		m.onEvent(steps.Event(msg))
		return m.run.listen(), true
	case askMsg:
		if m.quitAfter {
			msg.reply <- askReply{err: errAskCancelled}
			return m.run.listen(), true
		}
		if m.modal != nil && m.modal.ask == nil {
			m.modal = nil // a question from the step outranks the quit guard
		}
		md, cmd := newAskModal(m.c, msg, m.w)
		m.modal = md
		m.resize()
		return tea.Batch(cmd, m.run.listen()), true
	case openedMsg:
		if msg.err != nil {
			if m.fleet != nil {
				m.fleet.opening, m.fleet.err = "", msg.err
			}
			return nil, true
		}
		m.run.attach(msg.engine)
		m.id.instance = msg.instance
		m.dash = newDashboard(m.c, m.id, msg.engine.Steps)
		return tea.Batch(m.focus(m.dash), m.startCheck()), true
	case chooseMsg:
		return tea.Batch(m.open(msg.instance), m.spin()), true
	case verifiedMsg:
		return m.onVerified(msg), true
	case undoPlanMsg:
		if u, ok := m.screen.(*undoScreen); ok && u.step == msg.step {
			u.loadedPlan(msg)
		}
		if msg.step == "" {
			m.dash.undoable = map[string]int{}
			for _, e := range msg.entries {
				m.dash.undoable[e.Step]++
			}
			m.dash.refreshKeys()
		}
		return nil, true
	case appliedMsg:
		m.busy = false
		m.progress.finished(shownOutcomes(m.run.engine.Steps, msg.outs))
		if m.quitAfter {
			return tea.Quit, true
		}
		m.checking = true
		only := msg.step
		if only == everyStep || m.dash.waitsFor(msg.step) {
			// Steps that could not be checked until this one applied are checked again with it.
			only = ""
		}
		return tea.Batch(m.run.verify(only, nil), m.run.undoPlan("")), true
	case undoneMsg:
		m.busy = false
		m.progress.finished(shownOutcomes(m.run.engine.Steps, msg.outs))
		if m.quitAfter {
			return tea.Quit, true
		}
		return m.startCheck(), true
	}
	return nil, false
}

// onNavigation handles moving between screens: open, back, apply, skip, undo.
func (m *model) onNavigation(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case openStepMsg:
		r, ok := m.dash.result(msg.step)
		if !ok {
			return nil, true
		}
		return m.openStep(r), true
	case backMsg:
		return m.focus(m.dash), true
	case recheckMsg:
		return m.startCheck(), true
	case replanMsg:
		return tea.Batch(m.run.verify(msg.step, &msg.settings), m.spin()), true
	case applyMsg:
		m.busy = true
		m.progress = newProgress(m.c, "Applying", msg.result.Step, applyWords(msg.result), m.now)
		return tea.Batch(m.focus(m.progress), m.run.apply(msg.result), m.spin()), true
	case leaveWaitMsg:
		m.run.leaveWaits()
		return nil, true
	case skipMsg:
		m.dash.flash = msg.step + " skipped: nothing was changed."
		if r, ok := m.next(msg.step); ok {
			return m.openStep(r), true
		}
		return m.focus(m.dash), true
	case continueMsg:
		// After an apply or an undo the list of steps shows where things stand, freshly checked.
		m.dash.selectStep(msg.after)
		return m.focus(m.dash), true
	case applyAllMsg:
		var plans []steps.Result
		for _, r := range m.dash.left() {
			plans = append(plans, shown(stepOf(m.run.engine.Steps, r.Step), r, m.dash.settings))
		}
		c := newConfirmScreen(m.c, "Apply all that is left", render.WizardPlan(m.c.styles.Theme, plans),
			"apply all of these", confirmApplyAll{})
		return m.focus(c), true
	case confirmApplyAll:
		left := m.dash.left()
		m.busy = true
		m.progress = newProgress(m.c, "Applying", everyStep, applyWords(left...), m.now)
		return tea.Batch(m.focus(m.progress), m.run.applyAll(left), m.spin()), true
	case undoMsg:
		u := newUndoScreen(m.c, msg.step)
		return tea.Batch(m.focus(u), m.run.undoPlan(msg.step), m.spin()), true
	case historyMsg:
		h := newHistoryScreen(m.c)
		return tea.Batch(m.focus(h), m.run.history(), m.spin()), true
	case historyReadMsg:
		if h, ok := m.screen.(*historyScreen); ok {
			h.loaded(msg)
		}
		return nil, true
	case confirmUndo:
		m.busy = true
		step := everyStep
		if len(msg.entries) > 0 && !slices.ContainsFunc(msg.entries, func(e steps.Entry) bool { return e.Step != msg.entries[0].Step }) {
			step = msg.entries[0].Step
		}
		m.progress = newProgress(m.c, "Undoing", step, undoWords(msg.entries), m.now)
		return tea.Batch(m.focus(m.progress), m.run.undo(msg.entries), m.spin()), true
	}
	return nil, false
}

// updateModal gives msg to the modal and removes it once it is answered.
func (m *model) updateModal(msg tea.Msg) tea.Cmd {
	md := m.modal
	cmd := md.Update(msg)
	if !md.done {
		return cmd
	}
	m.modal = nil
	m.resize()
	if md.quit {
		m.quitAfter = true
		if m.progress != nil {
			m.progress.quitting = true
		}
		// A wait still to come would hold the quit up: it is left.
		m.run.leaveWaits()
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
	case steps.EventCommand:
		m.logCommand(ev)
		return
	}
	if m.progress != nil {
		m.progress.event(ev)
	}
}

func (m *model) onVerified(msg verifiedMsg) tea.Cmd {
	m.checking = false
	maps.Copy(m.c.zones, msg.zones)
	m.dash.settings = m.run.engine.Env.Settings
	m.dash.setResults(msg.results, msg.only == "")
	if msg.site != "" {
		m.dash.id.site = msg.site
	}
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

// header is the top of the screen, wrapped to the screen's width.
func (m *model) header() string {
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
	return wrapText(head, m.w)
}

func (m *model) render() string {
	if m.w < minWidth || m.h < minHeight {
		return fmt.Sprintf(tooSmallText, minWidth, minHeight) + fmt.Sprintf("\n(now %d×%d)", m.w, m.h)
	}
	helpView := m.c.styles.Footer.Render(m.helpView())
	helpH := lipgloss.Height(helpView)
	if m.modal != nil && m.modal.FullScreen() {
		// A picture to scan (a QR code) needs every line: no header, no frame.
		return fit(m.modal.View(), m.w, m.h-helpH) + "\n" + fit(helpView, m.w, helpH)
	}
	head := m.header()
	bodyH := m.bodyHeight()
	var body string
	switch {
	case m.modal != nil:
		body = lipgloss.Place(m.w, bodyH, lipgloss.Center, lipgloss.Center, m.modal.View())
	case m.logView != nil:
		body = m.logLayer()
	default:
		body = m.screen.View()
	}
	return strings.Join([]string{head, fit(body, m.w, bodyH), "", fit(helpView, m.w, helpH)}, "\n")
}
