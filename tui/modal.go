package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// modal is the layer over the screens: a step's question during Apply, or the quit guard.
type modal struct {
	c    *common
	keys keyMap
	ask  *askMsg // nil for the quit guard
	form *huh.Form
	text string
	// width is the screen's, for wrapping questions (a Show body is never wrapped: QR codes).
	width int
	// done closes the modal at once (not by a message, which could arrive after the step's next
	// question and close that one); quit says the quit guard was answered yes.
	done, quit bool
}

func newAskModal(c *common, a askMsg, w int) (*modal, tea.Cmd) {
	m := &modal{c: c, keys: defaultKeys(), ask: &a, width: w}
	m.keys.Continue.SetHelp("enter", "continue")
	switch a.kind {
	case askInput:
		in := huh.NewInput().Title(a.title).Value(&m.text)
		if a.check != nil {
			in = in.Validate(a.check)
		}
		km := huh.NewDefaultKeyMap()
		km.Quit = key.NewBinding(key.WithKeys("ctrl+c"))
		m.form = huh.NewForm(huh.NewGroup(in)).WithTheme(c.styles.Form).WithKeyMap(km).
			WithShowHelp(false).WithWidth(max(min(w-8, 70), 20))
		return m, m.form.Init()
	case askConfirm:
		if a.def {
			m.keys.Continue.SetHelp("enter", "yes")
		} else {
			m.keys.Continue.SetHelp("enter", "no")
		}
	}
	return m, nil
}

func newQuitGuard(c *common, w int) *modal {
	m := &modal{c: c, keys: defaultKeys(), width: w}
	m.keys.Yes.SetHelp("y", "quit when finished")
	m.keys.No.SetHelp("n/esc", "keep going")
	return m
}

func (m *modal) Capturing() bool { return m.form != nil }

func (m *modal) Help() keyHelp {
	k := m.keys
	switch {
	case m.ask == nil, m.ask.kind == askConfirm:
		return keyHelp{short: []key.Binding{k.Yes, k.No, k.Continue}, full: [][]key.Binding{{k.Yes, k.No, k.Continue}}}
	case m.ask.kind == askShow:
		return keyHelp{short: []key.Binding{k.Continue}, full: [][]key.Binding{{k.Continue}}}
	}
	k.Back.SetHelp("esc", "dismiss")
	return keyHelp{short: []key.Binding{k.Continue, k.Back}, full: [][]key.Binding{{k.Continue, k.Back}}}
}

// answer replies to the waiting step (without blocking: the reply channel has room for one).
func (m *modal) answer(r askReply) tea.Cmd {
	if m.ask != nil {
		m.ask.reply <- r
	}
	m.done = true
	return nil
}

// dismiss answers a pending question with "cancelled", so the step waiting on it can stop safely.
func (m *modal) dismiss() {
	if m.ask != nil {
		m.ask.reply <- askReply{err: errAskCancelled}
		m.ask = nil
	}
}

func (m *modal) Update(msg tea.Msg) tea.Cmd {
	km, isKey := msg.(tea.KeyPressMsg)
	if m.ask == nil {
		switch {
		case isKey && key.Matches(km, m.keys.Yes):
			m.done, m.quit = true, true
		case isKey && (key.Matches(km, m.keys.No) || key.Matches(km, m.keys.Continue)):
			m.done = true
		}
		return nil
	}
	switch m.ask.kind {
	case askConfirm:
		switch {
		case isKey && key.Matches(km, m.keys.Yes):
			return m.answer(askReply{yes: true})
		case isKey && key.Matches(km, m.keys.No):
			return m.answer(askReply{yes: false})
		case isKey && key.Matches(km, m.keys.Continue):
			return m.answer(askReply{yes: m.ask.def})
		}
	case askShow:
		if isKey && key.Matches(km, m.keys.Continue) {
			return m.answer(askReply{})
		}
	case askInput:
		if isKey && km.String() == "esc" {
			return m.answer(askReply{err: errAskCancelled})
		}
		f, cmd := m.form.Update(msg)
		m.form = f.(*huh.Form)
		if m.form.State == huh.StateCompleted {
			return m.answer(askReply{text: strings.TrimSpace(m.text)})
		}
		return cmd
	}
	return nil
}

func (m *modal) View() string {
	st := m.c.styles
	// Inside the frame's border and padding, and never wider than a comfortable line.
	wrap := max(min(m.width-8, 70), 20)
	var body string
	switch {
	case m.ask == nil:
		body = st.Warning.Width(wrap).Render(quitGuard) + "\n\n" + st.Key.Render("y") + " quit when finished   " + st.Key.Render("n") + " keep going"
	case m.ask.kind == askConfirm:
		opts := "[y/N]"
		if m.ask.def {
			opts = "[Y/n]"
		}
		body = st.Bold.Width(wrap).Render(m.ask.title + " " + opts)
	case m.ask.kind == askShow:
		body = st.Title.Width(wrap).Render(m.ask.title) + "\n\n" + strings.TrimRight(m.ask.body, "\n") + "\n\n" + st.Subtle.Render("Shown once: save it now. enter to continue")
	default:
		body = m.form.View()
	}
	return st.Modal.Render(body)
}
