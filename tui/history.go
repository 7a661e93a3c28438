package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/tui/render"
)

// historyScreen is the journal: every change hardsail made here and how it ended, oldest first.
type historyScreen struct {
	pagedScreen
	read bool
	err  error
}

func newHistoryScreen(c *common) *historyScreen {
	h := &historyScreen{pagedScreen: newPagedScreen(c, 3)}
	h.keys.Back.SetHelp("esc", "back")
	return h
}

func (h *historyScreen) loaded(m historyReadMsg) {
	h.read, h.err = true, m.err
	if m.err == nil {
		h.list.SetText(render.History(h.c.styles.Theme, m.entries), false)
	}
}

func (h *historyScreen) Help() keyHelp {
	k := h.keys
	return keyHelp{short: []key.Binding{k.Back, h.list.Bindings()[3]}, full: [][]key.Binding{{k.Back}, h.list.Bindings()}}
}

func (h *historyScreen) Update(msg tea.Msg) tea.Cmd { return h.update(msg, nil) }

func (h *historyScreen) View() string {
	return h.journalView("History: every change hardsail made here, oldest first", h.read, h.err, func() string {
		if mark := h.list.Mark(); mark != "" {
			return "\n" + h.c.styles.Subtle.Render("("+mark+")")
		}
		return ""
	})
}
