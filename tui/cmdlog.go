package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hardsail/hardsail/steps"
)

// maxLogLines bounds the command log kept for the layer (the log file keeps everything).
const maxLogLines = 5000

// logCommand adds one AWS operation or remote command to the command log.
func (m *model) logCommand(ev steps.Event) {
	at := ev.At
	if at.IsZero() {
		at = m.now()
	}
	m.log = append(m.log, at.Format("15:04:05")+" "+ev.Step+": "+ev.Message)
	if len(m.log) > maxLogLines {
		m.log = m.log[len(m.log)-maxLogLines:]
	}
	if m.logView != nil {
		m.logView.Follow(m.logText())
	}
}

func (m *model) logText() string {
	if len(m.log) == 0 {
		return "No commands yet."
	}
	return strings.Join(m.log, "\n")
}

// onLogKey opens and closes the command log layer (l), and scrolls it while it is open.
func (m *model) onLogKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if m.capturing() {
		return nil, false
	}
	if m.logView == nil {
		if !key.Matches(msg, m.keys.Log) {
			return nil, false
		}
		p := newPager()
		m.logView = &p
		m.resize()
		m.logView.SetText(m.logText(), false)
		return nil, true
	}
	if key.Matches(msg, m.keys.Log) || key.Matches(msg, m.keys.Back) {
		m.logView = nil
		m.resize()
		return nil, true
	}
	cmd, _ := m.logView.Update(msg)
	// Every other key belongs to the layer while it is open.
	return cmd, true
}

// logLayer is the command log over the screen: newest at the bottom, scrollable.
func (m *model) logLayer() string {
	st := m.c.styles
	out := st.Title.Render("Command log") + st.Subtle.Render(": every AWS operation and remote command") + "\n\n" + m.logView.View()
	if mark := m.logView.Mark(); mark != "" {
		out += "\n" + st.Subtle.Render("("+mark+")")
	}
	return out
}
