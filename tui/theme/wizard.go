package theme

import (
	"charm.land/bubbles/v2/help"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Wizard is the full-screen wizard's styles on top of a Theme. It is built here so the wizard's
// components never make a style themselves, and so NO_COLOR reaches every one of them.
type Wizard struct {
	Theme
	// Header is the top bar naming the instance; Footer the help line under the screen.
	Header lipgloss.Style
	Footer lipgloss.Style
	// Modal frames a question asked in the middle of a change; Pane frames the command log.
	Modal lipgloss.Style
	Pane  lipgloss.Style
	// Cursor marks the selected row (with a › so it never depends on colour).
	Cursor lipgloss.Style
	// Key and Action draw the Apply / Skip / Back bar.
	Key    lipgloss.Style
	Action lipgloss.Style
	Help   help.Styles
	// Form is the huh theme for the questions.
	Form huh.Theme
	// Dark records the background the styles were made for.
	Dark bool
}

// NewWizard returns the wizard's styles for t; dark picks the huh theme's variant.
func NewWizard(t Theme, dark bool) Wizard {
	s := lipgloss.NewStyle
	w := Wizard{Theme: t, Dark: dark}
	if !t.Color {
		w.Header, w.Footer, w.Cursor, w.Key, w.Action = s(), s(), s(), s(), s()
		w.Modal = s().Border(lipgloss.NormalBorder()).Padding(0, 1)
		w.Pane = s().Border(lipgloss.NormalBorder(), true, false, false, false)
		w.Help = help.Styles{Ellipsis: s(), ShortKey: s(), ShortDesc: s(), ShortSeparator: s(),
			FullKey: s(), FullDesc: s(), FullSeparator: s()}
		w.Form = huh.ThemeFunc(huh.ThemeBase)
		return w
	}
	w.Header = t.Title
	w.Footer = t.Subtle
	w.Cursor = t.Selected
	w.Key = t.Bold
	w.Action = t.Subtle
	w.Modal = t.Border.Padding(0, 2)
	w.Pane = t.Border.Border(lipgloss.NormalBorder(), true, false, false, false).Padding(0)
	w.Help = help.DefaultStyles(dark)
	w.Form = huh.ThemeFunc(huh.ThemeCharm)
	return w
}
