package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// confirmScreen shows what is about to be done (every plan of "apply all that is left") and
// does it only on y; esc goes back with nothing changed.
type confirmScreen struct {
	pagedScreen
	title string
	yes   tea.Msg
}

func newConfirmScreen(c *common, title, text, yesHelp string, yes tea.Msg) *confirmScreen {
	s := &confirmScreen{pagedScreen: newPagedScreen(c, 4), title: title, yes: yes}
	s.keys.Yes.SetHelp("y", yesHelp)
	s.keys.Back.SetHelp("esc", "back")
	s.list.SetText(text, true)
	return s
}

func (s *confirmScreen) Help() keyHelp {
	k := s.keys
	return keyHelp{short: []key.Binding{k.Yes, k.Back, s.list.Bindings()[3]}, full: [][]key.Binding{{k.Yes, k.Back}, s.list.Bindings()}}
}

func (s *confirmScreen) Update(msg tea.Msg) tea.Cmd { return s.update(msg, s.yes) }

func (s *confirmScreen) View() string {
	st := s.c.styles
	out := st.Title.Render(s.title) + "\n\n" + s.list.View() + "\n" +
		st.Key.Render("y") + " " + st.Action.Render(s.keys.Yes.Help().Desc) + "   " + st.Key.Render("esc") + " " + st.Action.Render("back")
	if mark := s.list.Mark(); mark != "" {
		out += "   " + st.Subtle.Render("("+mark+")")
	}
	return out
}
