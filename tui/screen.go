package tui

import (
	"strings"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/theme"
)

// screen is one full-screen component: the root model gives it messages, its size and the keys of
// the focused screen go into the help line.
type screen interface {
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	Help() keyHelp
	// Capturing reports whether keys are text being typed (then q and ? are letters, not commands).
	Capturing() bool
}

// common is what every screen shares: the styles and the one spinner.
type common struct {
	styles  theme.Wizard
	spinner spinner.Model
}

// Navigation messages: screens say what the user asked for; the root model does it.
type (
	openStepMsg struct{ step string }
	backMsg     struct{}
	recheckMsg  struct{}
	// replanMsg asks for one step to be planned again with the answers in settings.
	replanMsg struct {
		step     string
		settings steps.Settings
	}
	applyMsg    struct{ result steps.Result }
	skipMsg     struct{ step string }
	undoMsg     struct{ step string }
	confirmUndo struct{ entries []steps.Entry }
	// continueMsg leaves a finished apply or undo: to the next step that needs attention after
	// step, or the dashboard.
	continueMsg struct{ after string }
	chooseMsg   struct{ instance string }
)

func send(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

// fit cuts or pads s to exactly h lines of at most w cells, so a screen never pushes the help
// line off the terminal.
func fit(s string, w, h int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) string {
	if w < 10 {
		w = 10
	}
	return ansi.Wordwrap(s, w, "")
}
