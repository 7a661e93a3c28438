package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/tui/render"
)

// historyScreen is the journal: every change hardsail made here and how it ended, oldest first.
type historyScreen struct {
	c    *common
	keys keyMap
	read bool
	err  error
	list pager
	w, h int
}

func newHistoryScreen(c *common) *historyScreen {
	h := &historyScreen{c: c, keys: defaultKeys(), list: newPager()}
	h.keys.Back.SetHelp("esc", "back")
	return h
}

func (h *historyScreen) loaded(m historyReadMsg) {
	h.read, h.err = true, m.err
	if m.err == nil {
		h.list.SetText(render.History(h.c.styles.Theme, m.entries), false)
	}
}

func (h *historyScreen) SetSize(w, ht int) {
	h.w, h.h = w, ht
	h.list.SetSize(w, max(ht-3, 3))
}

func (h *historyScreen) Capturing() bool { return false }

func (h *historyScreen) Help() keyHelp {
	k := h.keys
	return keyHelp{short: []key.Binding{k.Back, h.list.Bindings()[3]}, full: [][]key.Binding{{k.Back}, h.list.Bindings()}}
}

func (h *historyScreen) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, h.keys.Back) {
		return send(backMsg{})
	}
	cmd, _ := h.list.Update(msg)
	return cmd
}

func (h *historyScreen) View() string {
	st := h.c.styles
	out := st.Title.Render("History: every change hardsail made here, oldest first") + "\n\n"
	switch {
	case !h.read:
		return out + h.c.spinner.View() + " reading the journal…"
	case h.err != nil:
		return out + errorText(h.c, h.err)
	}
	out += h.list.View()
	if mark := h.list.Mark(); mark != "" {
		out += "\n" + st.Subtle.Render("("+mark+")")
	}
	return out
}
