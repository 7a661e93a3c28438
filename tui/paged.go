package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// pagedScreen is what the confirm, undo and history screens share: a text in a pager, with
// `chrome` lines of title and keys around it, that esc leaves and y (where the screen offers it)
// answers.
type pagedScreen struct {
	c      *common
	keys   keyMap
	list   pager
	chrome int
}

func newPagedScreen(c *common, chrome int) pagedScreen {
	return pagedScreen{c: c, keys: defaultKeys(), list: newPager(), chrome: chrome}
}

func (p *pagedScreen) SetSize(w, h int) {
	p.list.SetSize(w, max(h-p.chrome, 3))
}

func (p *pagedScreen) Capturing() bool { return false }

// update sends yes on y (nil: the screen has no y), backMsg on esc, and scrolls the pager otherwise.
func (p *pagedScreen) update(msg tea.Msg, yes tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case yes != nil && key.Matches(km, p.keys.Yes):
			return send(yes)
		case key.Matches(km, p.keys.Back):
			return send(backMsg{})
		}
	}
	cmd, _ := p.list.Update(msg)
	return cmd
}

// journalView is title over what was read of the journal: the spinner while it is read, the
// error, or the pager followed by footer().
func (p *pagedScreen) journalView(title string, read bool, err error, footer func() string) string {
	out := p.c.styles.Title.Render(title) + "\n\n"
	switch {
	case !read:
		return out + p.c.spinner.View() + " reading the journal…"
	case err != nil:
		return out + errorText(p.c, err)
	}
	return out + p.list.View() + footer()
}
