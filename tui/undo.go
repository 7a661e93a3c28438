package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// undoScreen names exactly what undo of a step will restore (from the journal) and asks first.
type undoScreen struct {
	pagedScreen
	step    string
	entries []steps.Entry
	loaded  bool
	err     error
}

func newUndoScreen(c *common, step string) *undoScreen {
	u := &undoScreen{pagedScreen: newPagedScreen(c, 4), step: step}
	u.refreshKeys()
	return u
}

func (u *undoScreen) loadedPlan(m undoPlanMsg) {
	u.entries, u.err, u.loaded = m.entries, m.err, true
	if m.err == nil {
		u.list.SetText(render.UndoList(u.c.styles.Theme, m.entries), true)
	}
	u.refreshKeys()
}

func (u *undoScreen) refreshKeys() {
	enable(&u.keys.Yes, u.loaded && u.err == nil && len(u.entries) > 0)
	u.keys.Yes.SetHelp("y", "undo these changes")
	u.keys.Back.SetHelp("esc", "back")
}

func (u *undoScreen) Help() keyHelp {
	k := u.keys
	return keyHelp{short: []key.Binding{k.Yes, k.Back}, full: [][]key.Binding{{k.Yes, k.Back}, u.list.Bindings()}}
}

func (u *undoScreen) Update(msg tea.Msg) tea.Cmd {
	return u.update(msg, confirmUndo{entries: u.entries})
}

func (u *undoScreen) View() string {
	title := "Undo " + u.step
	if u.step == everyStep {
		title = "Undo every change hardsail made"
	}
	return u.journalView(title, u.loaded, u.err, func() string {
		if len(u.entries) == 0 {
			return ""
		}
		// Not "on the instance": an IAM user or a load balancer is in the account.
		st := u.c.styles
		out := "\n" + st.Key.Render("y") + " " + st.Action.Render("undo these changes") + "   " +
			st.Key.Render("esc") + " " + st.Action.Render("back")
		if mark := u.list.Mark(); mark != "" {
			out += "   " + st.Subtle.Render("("+mark+")")
		}
		return out
	})
}

// errorText is an error as the wizard shows it: the message, then the hint that fixes it.
func errorText(c *common, err error) string {
	out := c.styles.Failed.Render("✗ ") + err.Error() + "\n"
	if h := steps.HintOf(err); h != "" {
		out += c.styles.Hint.Render("Hint: "+h) + "\n"
	}
	return out
}
