// Package theme holds every style hardsail draws with. Components and renderers take a Theme and
// never build styles themselves, so colour can be switched off in one place (NO_COLOR, --no-color).
package theme

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Theme is the set of styles. The zero-colour theme renders plain text.
type Theme struct {
	Color bool

	Title    lipgloss.Style
	Subtle   lipgloss.Style
	Bold     lipgloss.Style
	Create   lipgloss.Style
	Update   lipgloss.Style
	Delete   lipgloss.Style
	OK       lipgloss.Style
	Drift    lipgloss.Style
	Pending  lipgloss.Style
	Failed   lipgloss.Style
	Skipped  lipgloss.Style
	Warning  lipgloss.Style
	Hint     lipgloss.Style
	Banner   lipgloss.Style
	Selected lipgloss.Style
	Border   lipgloss.Style
}

// Plain is the theme without colour or emphasis.
func Plain() Theme {
	p := lipgloss.NewStyle()
	return Theme{Title: p, Subtle: p, Bold: p, Create: p, Update: p, Delete: p, OK: p, Drift: p,
		Pending: p, Failed: p, Skipped: p, Warning: p, Hint: p, Banner: p, Selected: p, Border: p}
}

// New returns the coloured theme for a dark or light background.
func New(dark bool) Theme {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	green, yellow, red := c("#1a7f37", "#3fb950"), c("#9a6700", "#d29922"), c("#cf222e", "#f85149")
	blue, grey := c("#0969da", "#58a6ff"), c("#6e7781", "#8b949e")
	s := lipgloss.NewStyle
	return Theme{
		Color:    true,
		Title:    s().Bold(true).Foreground(blue),
		Subtle:   s().Foreground(grey),
		Bold:     s().Bold(true),
		Create:   s().Foreground(green),
		Update:   s().Foreground(yellow),
		Delete:   s().Foreground(red),
		OK:       s().Foreground(green).Bold(true),
		Drift:    s().Foreground(yellow).Bold(true),
		Pending:  s().Foreground(blue).Bold(true),
		Failed:   s().Foreground(red).Bold(true),
		Skipped:  s().Foreground(grey),
		Warning:  s().Foreground(yellow),
		Hint:     s().Foreground(grey).Italic(true),
		Banner:   s().Bold(true).Foreground(c("#ffffff", "#000000")).Background(yellow).Padding(0, 1),
		Selected: s().Bold(true).Foreground(blue),
		Border:   s().Border(lipgloss.RoundedBorder()).BorderForeground(grey).Padding(0, 1),
	}
}
