package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// keyMap is every key the wizard knows. Screens take a copy and disable what cannot act now, so
// help (generated from these bindings) only lists keys that do something.
type keyMap struct {
	Up, Down         key.Binding
	Open             key.Binding
	Undo             key.Binding
	ApplyAll         key.Binding
	UndoAll          key.Binding
	History          key.Binding
	Recheck          key.Binding
	Apply            key.Binding
	Skip             key.Binding
	Back             key.Binding
	Edit             key.Binding
	Log              key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
	Continue         key.Binding
	Leave            key.Binding
	Yes, No          key.Binding
	Help             key.Binding
	Quit             key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open step")),
		Undo:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo step")),
		ApplyAll: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply all that is left")),
		UndoAll:  key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "undo all")),
		History:  key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "history")),
		Recheck:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "check again")),
		Apply:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply")),
		Skip:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "skip")),
		Back:     key.NewBinding(key.WithKeys("esc", "b"), key.WithHelp("esc/b", "back")),
		Edit:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit answers")),
		Log:      key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "command log")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "shift+up"), key.WithHelp("pgup", "scroll up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "shift+down", "space"), key.WithHelp("pgdn", "scroll down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "bottom")),
		Continue: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Leave:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop waiting (the next run carries on)")),
		Yes:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:       key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// keyHelp adapts a screen's bindings to bubbles/help: short is the one-line help, full the `?` view.
type keyHelp struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyHelp) ShortHelp() []key.Binding  { return k.short }
func (k keyHelp) FullHelp() [][]key.Binding { return k.full }

// withGlobal adds the keys every screen has (command log, help, quit) to a screen's help.
func withGlobal(h keyHelp, g keyMap) keyHelp {
	h.short = append(append([]key.Binding(nil), h.short...), g.Log, g.Help, g.Quit)
	full := append([][]key.Binding(nil), h.full...)
	h.full = append(full, []key.Binding{g.Log, g.Help, g.Quit})
	return h
}

// enable sets a binding's state; a disabled binding neither matches nor shows in help.
func enable(b *key.Binding, on bool) { b.SetEnabled(on) }

// shortHelp is the one-line help, on as many lines as it needs at width w: a key is never cut off.
func shortHelp(st help.Styles, bindings []key.Binding, w int) string {
	sep := st.ShortSeparator.Render(" • ")
	var lines []string
	cur := ""
	for _, b := range bindings {
		if !b.Enabled() {
			continue
		}
		item := st.ShortKey.Render(b.Help().Key) + " " + st.ShortDesc.Render(b.Help().Desc)
		switch {
		case cur == "":
			cur = item
		case ansi.StringWidth(cur+sep+item) <= w:
			cur += sep + item
		default:
			lines = append(lines, cur)
			cur = item
		}
	}
	return strings.Join(append(lines, cur), "\n")
}
