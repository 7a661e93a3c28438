package tui

import (
	"regexp"
	"strings"
	"sync"
	"time"

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
	// now and local are the user's clock; zones the instances' time zones, loaded with the checks.
	now   func() time.Time
	local *time.Location
	zones map[string]*time.Location
}

// clock is what a time-of-day question is shown against.
func (c *common) clock() clock { return clock{now: c.now(), local: c.local, zones: c.zones} }

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
	applyMsg struct{ result steps.Result }
	skipMsg  struct{ step string }
	// undoMsg asks to undo one step's changes, or every change when step is everyStep.
	undoMsg struct{ step string }
	// applyAllMsg shows every step that is left, to apply them all on confirmApplyAll; historyMsg
	// shows the journal.
	applyAllMsg     struct{}
	confirmApplyAll struct{}
	historyMsg      struct{}
	confirmUndo     struct{ entries []steps.Entry }
	// continueMsg leaves a finished apply or undo: to the next step that needs attention after
	// step, or the dashboard.
	continueMsg struct{ after string }
	// leaveWaitMsg stops the waits of the apply under way (Env.LeaveWaits).
	leaveWaitMsg struct{}
	chooseMsg    struct{ instance string }
)

// everyStep stands for all the steps, where one step's ID would go.
const everyStep = ""

func send(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }

// fit wraps s to w cells (never cutting a line: what is on it may have to be copied) and cuts or
// pads it to exactly h lines, so a screen never pushes the help line off the terminal. Screens
// whose text can be longer than h scroll it themselves.
func fit(s string, w, h int) string {
	lines := strings.Split(wrapText(strings.TrimRight(s, "\n"), w), "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks plain text into lines of at most w cells.
func wrap(s string, w int) string { return wrapText(s, w) }

// wrapText breaks every line of s into lines of at most w cells, at spaces only: a name, an
// address or a command is never split unless it is wider than the screen. A line's continuation
// is indented under its text (past its indentation and its mark, such as "~ " or "✓ ok  step").
func wrapText(s string, w int) string {
	w = max(w, 10)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, wrapLine(l, w)...)
	}
	return strings.Join(out, "\n")
}

// marked is what a continuation line is indented under: an indentation, then a status line's
// symbol, word and step, or a one-symbol mark, or a label.
var marked = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^( *)(› )?(\S (ok|changed|drift|to do|pending|skipped|failed|unknown) +\S+ +|` +
		`[~+\-!✓✗–…#·?→›] (\S+ +— )?|(note|Hint|Fix): |\d\d:\d\d:\d\d )?`)
})

// command is a line that is a shell command to copy: wrapped, its lines end in " \\" so the
// copy still runs as one command.
var command = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^ *(sudo|\$) `) })

func hangOf(plain string, w int) int {
	m := marked().FindStringSubmatch(plain)
	hang := ansi.StringWidth(m[0])
	if hang > w-30 {
		// Too little room beside the mark: continue under the indentation alone.
		hang = min(len(m[1]), w/3)
	}
	if command().MatchString(plain) {
		hang = len(m[1]) + 2
	}
	return hang
}

func wrapLine(l string, w int) []string {
	if ansi.StringWidth(l) <= w {
		return []string{l}
	}
	plain := ansi.Strip(l)
	hang := hangOf(plain, w)
	if !command().MatchString(plain) {
		return wrapWords(l, w, hang)
	}
	// A shell command: each line but the last ends in " \\", so the copy runs as one command.
	lines := wrapWords(l, w-2, hang)
	for i := range lines[:len(lines)-1] {
		lines[i] += " \\"
	}
	return lines
}

// wrapWords fills lines of at most w cells greedily, continuing each under hang spaces.
func wrapWords(l string, w, hang int) []string {
	pad := strings.Repeat(" ", hang)
	var lines []string
	cur, curW, start := "", 0, true
	for i, word := range strings.Split(l, " ") {
		ww := ansi.StringWidth(word)
		switch {
		case i == 0:
			cur, curW, start = word, ww, ww == 0
			continue
		case start && ww == 0:
			// Still in the line's leading indentation.
			cur, curW = cur+" ", curW+1
			continue
		case curW+1+ww <= w:
			cur, curW = cur+" "+word, curW+1+ww
		default:
			lines = append(lines, strings.TrimRight(cur, " "))
			cur, curW = pad+word, hang+ww
		}
		start = false
		// A word wider than the line is the only thing split: the screen cannot show it whole.
		for curW > w {
			lines = append(lines, ansi.Cut(cur, 0, w))
			cur = pad + ansi.Cut(cur, w, curW)
			curW = hang + (curW - w)
		}
	}
	return append(lines, strings.TrimRight(cur, " "))
}
