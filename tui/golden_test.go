package tui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/theme"
)

// settle feeds the model the answers of the commands it asked for, the way the program would,
// until it has nothing left to do (no tea.Program, so frames are exact and repeatable).
func settle(t *testing.T, m *model, msg tea.Msg) {
	t.Helper()
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0; n++ {
		if n > 50 {
			t.Fatal("the model kept asking for more")
		}
		msg, queue = queue[0], queue[1:]
		_, cmd := m.Update(msg)
		queue = append(queue, run(cmd)...)
	}
}

// run runs a command and the batches inside it, leaving out the waits (the event channel, ticks).
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, run(c)...)
		}
		return out
	case verifiedMsg, undoPlanMsg, openStepMsg, replanMsg:
		return []tea.Msg{msg}
	}
	return nil
}

func goldenModel(t *testing.T, th theme.Theme, w int) *model {
	t.Helper()
	f := newFixture(t)
	io, _, _ := iostreams.Test("")
	m := newModel(f.options(io), newRunner(context.Background()), th)
	m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
	m.checking = true
	m.dash.startCheck()
	settle(t, m, run(m.run.verify("", nil))[0])
	return m
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name    string
		theme   theme.Theme
		width   int
		preview bool
	}{
		{"dashboard-80", theme.Plain(), 80, false},
		{"dashboard-120", theme.Plain(), 120, false},
		{"preview-80", theme.Plain(), 80, true},
		{"preview-120", theme.Plain(), 120, true},
		{"dashboard-100-colour", theme.New(true), 100, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := goldenModel(t, tc.theme, tc.width)
			if tc.preview {
				settle(t, m, openStepMsg{step: "firewall"})
				s := m.screen.(*stepScreen)
				settle(t, m, replanMsg{step: "firewall", settings: s.answers.settings(s.settings)})
				if s.phase != phasePreview {
					t.Fatalf("the step screen is not showing its preview (phase %d)", s.phase)
				}
			}
			out := m.render()
			if !tc.theme.Color {
				out = ansi.Strip(out)
			}
			golden.RequireEqual(t, out+"\n")
		})
	}
}
