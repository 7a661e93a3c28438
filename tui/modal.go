package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// modal is the layer over the screens: a step's question during Apply, or the quit guard.
type modal struct {
	c    *common
	keys keyMap
	ask  *askMsg // nil for the quit guard
	form *huh.Form
	text string
	// width and height are the room the modal has; a picture (a QR code) is never wrapped.
	width, height int
	// pic is a Show body's picture, scrolled when the screen is too short for it.
	pic     pager
	picture []string
	// done closes the modal at once (not by a message, which could arrive after the step's next
	// question and close that one); quit says the quit guard was answered yes.
	done, quit bool
}

func newAskModal(c *common, a askMsg, w int) (*modal, tea.Cmd) {
	m := &modal{c: c, keys: defaultKeys(), ask: &a, width: w}
	m.keys.Continue.SetHelp("enter", "continue")
	switch a.kind {
	case askShow:
		m.picture, m.ask.body = splitPicture(a.body)
		m.pic = newPager()
		m.pic.SetText(strings.Join(m.picture, "\n"), true)
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

// SetSize gives the modal its room: the body's, or the whole screen but the help line for a
// picture.
func (m *modal) SetSize(w, h int) {
	m.width, m.height = w, h
	if m.picture == nil {
		return
	}
	pw := m.pictureWidth()
	room := h
	if !m.beside() {
		room = h - strings.Count(m.showText(w), "\n") - 2
	}
	m.pic.SetSize(max(pw, 1), max(room, 1))
}

// FullScreen says the modal takes the whole screen (a picture does not fit in a frame).
func (m *modal) FullScreen() bool { return m.picture != nil }

// pictureWidth is the widest line of the picture.
func (m *modal) pictureWidth() int {
	pw := 0
	for _, l := range m.picture {
		pw = max(pw, ansi.StringWidth(l))
	}
	return pw
}

// beside says the text goes beside the picture (else under it).
func (m *modal) beside() bool { return m.width-m.pictureWidth()-2 >= minSideText }

// minSideText is the narrowest column the text beside a picture may have.
const minSideText = 24

// showText is a Show's title, text and what to do, wrapped to w.
func (m *modal) showText(w int) string {
	st := m.c.styles
	return wrapText(st.Title.Render(m.ask.title)+"\n\n"+strings.TrimRight(m.ask.body, "\n")+"\n\n"+
		st.Subtle.Render("Shown once: save it now. enter to continue"), w)
}

// pictureView lays out a picture and its text: side by side when the screen is wide enough, else
// the text under it; the picture scrolls when the screen is too short, the text never does.
func (m *modal) pictureView() string {
	pic := m.pic.View()
	if mark := m.pic.Mark(); mark != "" {
		mark = m.c.styles.Subtle.Render("(the code " + mark + ": ↑/↓ scroll it)")
		if m.beside() {
			return lipgloss.JoinHorizontal(lipgloss.Top, pic, "  ", m.showText(m.width-m.pictureWidth()-2)+"\n\n"+wrapText(mark, m.width-m.pictureWidth()-2))
		}
		return pic + "\n" + wrapText(mark, m.width) + "\n" + m.showText(m.width)
	}
	if m.beside() {
		return lipgloss.JoinHorizontal(lipgloss.Top, pic, "  ", m.showText(m.width-m.pictureWidth()-2))
	}
	return pic + "\n\n" + m.showText(m.width)
}

// splitPicture takes a Show body's leading picture (lines drawn with block characters, such as a
// QR code) from its text.
func splitPicture(body string) ([]string, string) {
	lines := strings.Split(strings.Trim(body, "\n"), "\n")
	n := 0
	for n < len(lines) && drawn(lines[n]) {
		n++
	}
	if n < 2 {
		return nil, body
	}
	return lines[:n], strings.Trim(strings.Join(lines[n:], "\n"), "\n")
}

// drawn says a line is made of block characters (U+2580–U+259F) and spaces only.
func drawn(l string) bool {
	blocks := false
	for _, r := range l {
		switch {
		case r >= 0x2580 && r <= 0x259f:
			blocks = true
		case r != ' ':
			return false
		}
	}
	return blocks
}

func (m *modal) Help() keyHelp {
	k := m.keys
	switch {
	case m.ask == nil, m.ask.kind == askConfirm:
		return keyHelp{short: []key.Binding{k.Yes, k.No, k.Continue}, full: [][]key.Binding{{k.Yes, k.No, k.Continue}}}
	case m.ask.kind == askShow:
		return keyHelp{short: []key.Binding{k.Continue}, full: [][]key.Binding{{k.Continue}, m.pic.Bindings()}}
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
		if m.picture != nil {
			cmd, _ := m.pic.Update(msg)
			return cmd
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
	case m.ask.kind == askShow && m.picture != nil:
		return m.pictureView()
	case m.ask.kind == askShow:
		body = m.showText(wrap)
	default:
		body = m.form.View()
	}
	return st.Modal.Render(body)
}
