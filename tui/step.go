package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

type stepPhase int

const (
	phaseQuestions stepPhase = iota
	phasePlanning
	phasePreview
)

// stepScreen walks one step: why it matters, its questions, the preview, then Apply / Skip / Back.
type stepScreen struct {
	c        *common
	keys     keyMap
	result   steps.Result
	settings steps.Settings
	answers  *answers
	step     steps.Step
	opts     []steps.Option
	form     *huh.Form
	phase    stepPhase
	preview  pager
	w, h     int
}

func newStepScreen(c *common, r steps.Result, s steps.Settings, st steps.Step) *stepScreen {
	opts := optionsOf(st)
	sc := &stepScreen{c: c, keys: defaultKeys(), result: r, settings: s, step: st, opts: opts, preview: newPager()}
	if len(questionsFor(opts, r.State)) > 0 {
		sc.phase = phaseQuestions
	} else {
		sc.phase = phasePreview
	}
	sc.refreshPreview()
	return sc
}

// Init starts the form, if the step asks anything.
func (s *stepScreen) Init() tea.Cmd {
	if s.phase == phaseQuestions {
		return s.openForm()
	}
	return nil
}

func (s *stepScreen) openForm() tea.Cmd {
	s.phase = phaseQuestions
	s.answers = newAnswers(s.opts, s.settings, s.result)
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithKeys("ctrl+c"))
	var groups []*huh.Group
	for _, g := range s.answers.groups(s.result, s.c.clock(), false) {
		hg := huh.NewGroup(g.fields...)
		if g.show != nil {
			hg = hg.WithHideFunc(func() bool { return !g.show() })
		}
		groups = append(groups, hg)
	}
	s.form = huh.NewForm(groups...).
		WithTheme(s.c.styles.Form).WithKeyMap(km).WithShowHelp(false).WithWidth(max(s.w-4, 20)).
		WithHeight(s.formHeight())
	s.refreshKeys()
	return s.form.Init()
}

// planned takes the step's new plan (after its answers went into the settings).
func (s *stepScreen) planned(r steps.Result, set steps.Settings) {
	s.result, s.settings, s.phase = r, set, phasePreview
	s.refreshPreview()
}

func (s *stepScreen) refreshPreview() {
	s.preview.SetText(render.WizardPlan(s.c.styles.Theme, []steps.Result{shown(s.step, s.result, s.settings)}), true)
	s.refreshKeys()
}

func (s *stepScreen) actionable() bool {
	r := s.result
	return r.Status == steps.StatusDrift || r.Status == steps.StatusPending
}

func (s *stepScreen) refreshKeys() {
	prev := s.phase == phasePreview
	enable(&s.keys.Apply, prev && s.actionable())
	enable(&s.keys.Skip, prev)
	enable(&s.keys.Edit, prev && len(questionsFor(s.opts, s.result.State)) > 0)
	enable(&s.keys.Back, s.phase != phasePlanning)
	s.keys.Back.SetHelp("esc", "back")
}

func (s *stepScreen) Capturing() bool { return s.phase == phaseQuestions }

func (s *stepScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.preview.SetSize(w, max(h-s.topHeight()-2, 3))
	if s.form != nil {
		s.form = s.form.WithWidth(max(w-4, 20)).WithHeight(s.formHeight())
	}
}

// formHeight is the room under the step's title and why: the form scrolls within it, and its
// fields are laid out at the screen's width (a wrapped note never hides a choice).
func (s *stepScreen) formHeight() int { return max(s.h-s.topHeight()-1, 5) }

func (s *stepScreen) top() string {
	st := s.c.styles
	return st.Title.Render(s.result.Step+": "+s.result.Title) + "\n" + wrap(whyText(s.step, s.result.Title), s.w) + "\n"
}

func (s *stepScreen) topHeight() int { return strings.Count(s.top(), "\n") + 1 }

func (s *stepScreen) Help() keyHelp {
	k := s.keys
	if s.phase == phaseQuestions && s.form != nil {
		short := append(s.form.KeyBinds(), k.Back)
		return keyHelp{short: short, full: [][]key.Binding{short}}
	}
	if s.phase != phasePreview {
		return keyHelp{short: []key.Binding{k.Back}, full: [][]key.Binding{{k.Back}}}
	}
	scroll := s.preview.Bindings()
	return keyHelp{
		short: []key.Binding{k.Apply, k.Skip, k.Edit, k.Back, scroll[3]},
		full:  [][]key.Binding{{k.Apply, k.Skip, k.Edit, k.Back}, scroll},
	}
}

func (s *stepScreen) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, s.keys.Back) {
		if s.phase == phaseQuestions && km.String() == "b" {
			// "b" is a letter while typing an answer.
		} else {
			return send(backMsg{})
		}
	}
	switch s.phase {
	case phaseQuestions:
		f, cmd := s.form.Update(msg)
		s.form = f.(*huh.Form)
		s.answers.refresh()
		if s.form.State == huh.StateCompleted {
			s.phase = phasePlanning
			s.refreshKeys()
			return send(replanMsg{step: s.result.Step, settings: s.answers.settings(s.settings)})
		}
		return cmd
	case phasePreview:
		if km, ok := msg.(tea.KeyPressMsg); ok {
			switch {
			case key.Matches(km, s.keys.Apply):
				return send(applyMsg{result: s.result})
			case key.Matches(km, s.keys.Skip):
				return send(skipMsg{step: s.result.Step})
			case key.Matches(km, s.keys.Edit):
				return s.openForm()
			}
		}
		cmd, _ := s.preview.Update(msg)
		return cmd
	}
	return nil
}

func (s *stepScreen) View() string {
	st := s.c.styles
	var b strings.Builder
	b.WriteString(s.top() + "\n")
	switch s.phase {
	case phaseQuestions:
		b.WriteString(s.form.View())
	case phasePlanning:
		b.WriteString(s.c.spinner.View() + " planning with your answers…")
	case phasePreview:
		b.WriteString(s.preview.View() + "\n")
		var bar []string
		for _, k := range []key.Binding{s.keys.Apply, s.keys.Skip, s.keys.Back} {
			if k.Enabled() {
				bar = append(bar, st.Key.Render(k.Help().Key)+" "+st.Action.Render(k.Help().Desc))
			}
		}
		if !s.actionable() {
			bar = append([]string{st.Subtle.Render("nothing to apply:")}, bar...)
		}
		if mark := s.preview.Mark(); mark != "" {
			bar = append(bar, st.Subtle.Render("("+mark+")"))
		}
		b.WriteString(strings.Join(bar, "   "))
	}
	return b.String()
}
