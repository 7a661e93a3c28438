package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/mdp/qrterminal/v3"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
	"github.com/hardsail/hardsail/steps/upgrades"
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
	case verifiedMsg, undoPlanMsg, openStepMsg, replanMsg, historyMsg, historyReadMsg, applyAllMsg, undoMsg:
		return []tea.Msg{msg}
	}
	return nil
}

func goldenModel(t *testing.T, th theme.Theme, w, h int) *model {
	t.Helper()
	f := newFixture(t)
	io, _, _ := iostreams.Test("")
	m := newModel(f.options(io), newRunner(context.Background()), th)
	m.now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.checking = true
	m.dash.startCheck()
	settle(t, m, run(m.run.verify("", nil))[0])
	return m
}

// Values a site owner must copy whole, as the steps say them.
const (
	password   = "Xy7!q9-Generated_Password-4k2"
	signIn     = "https://123456789012.signin.aws.amazon.com/console"
	cnameName  = "_a79865eb4cd1a6ab990a45779b4e0b96.www.example.com."
	cnameValue = "_1f2e3d4c5b6a79880716253443526170.xlfgrmvvlj.acm-validations.aws."
	lbDNS      = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6-1234567890.us-east-1.elb.amazonaws.com"
	undoCmd    = "sudo cp /opt/bitnami/apache/conf/vhosts/wordpress-vhost.conf.backup /opt/bitnami/apache/conf/vhosts/wordpress-vhost.conf"
	mfaSeed    = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// pendingHTTPS is a step waiting on DNS, with records to add elsewhere and a long why.
func pendingHTTPS() steps.Result {
	return steps.Result{Step: "https", Title: "HTTPS with a certificate", Status: steps.StatusPending,
		Detail: "certificate web-cert awaits DNS validation",
		State: steps.State{Pending: "certificate web-cert awaits DNS validation. Add these records at your DNS provider (name, type, value):\n" +
			"  " + cnameName + "  CNAME  " + cnameValue + "\nThen run `hardsail apply https` again; it finishes once Amazon sees the records."},
		Findings: []steps.Finding{{ID: "https.domain_not_at_load_balancer", Severity: "warning", Message: "www.example.com does not point at the load balancer", Fix: "Add a CNAME (or ALIAS/ANAME for the bare domain) record www.example.com → " + lbDNS + "."},
			{ID: "iam-admin.root_in_use", Severity: "warning", Message: "you are using the root user", Fix: "Sign out, then sign in at " + signIn + " as administrator."}},
	}
}

// scenes are what the goldens show, each built on a checked dashboard.
var scenes = map[string]func(t *testing.T, m *model){
	"dashboard": func(*testing.T, *model) {},
	"preview": func(t *testing.T, m *model) {
		settle(t, m, openStepMsg{step: "firewall"})
		s := m.screen.(*stepScreen)
		settle(t, m, replanMsg{step: "firewall", settings: s.answers.settings(s.settings)})
		if s.phase != phasePreview {
			t.Fatalf("the step screen is not showing its preview (phase %d)", s.phase)
		}
	},
	"records": func(t *testing.T, m *model) {
		m.dash.setResults([]steps.Result{pendingHTTPS()}, false)
		m.focus(newStepScreen(m.c, pendingHTTPS(), steps.Settings{}, nil))
	},
	"records-dashboard": func(t *testing.T, m *model) {
		m.dash.rows = append(m.dash.rows, dashRow{step: "https", title: "HTTPS", checked: true, result: pendingHTTPS()})
		m.dash.rows[2].result.Detail = pendingHTTPS().State.Pending
		m.dash.cursor = 2
	},
	"applied": func(t *testing.T, m *model) {
		settle(t, m, applyMsg{result: steps.Result{Step: "iam-admin", Plan: steps.Plan{Changes: []steps.Change{
			{Action: steps.Create, Address: "iam:user/administrator"}, {Action: steps.Create, Address: "dns:_a7.www.example.com/CNAME"}}}}})
		for _, ev := range []steps.Event{
			{Kind: steps.EventApplyStart, Step: "iam-admin"},
			{Kind: steps.EventChangeStart, Step: "iam-admin", Address: "iam:user/administrator"},
			{Kind: steps.EventChangeDone, Step: "iam-admin", Address: "iam:user/administrator", Status: steps.StatusChanged},
			{Kind: steps.EventWait, Step: "iam-admin", Message: "DNS check: " + cnameName + " CNAME: not visible yet"},
			{Kind: steps.EventWait, Step: "iam-admin", Message: "waiting for the certificate to be issued"},
			{Kind: steps.EventCommand, Step: "iam-admin", Message: "iam CreateUser administrator"},
		} {
			m.onEvent(ev)
		}
		settle(t, m, appliedMsg{step: "iam-admin", outs: []steps.Outcome{{Step: "iam-admin", Status: steps.StatusChanged,
			Detail:  "sign in at " + signIn + " as administrator",
			Secrets: map[string]string{"console password for administrator": password}},
			{Step: "https", Status: steps.StatusSkipped, Detail: "Lightsail has no API to reverse SetupInstanceHttps on WordPress-1; to go back to plain HTTP run on the instance:\n" + undoCmd + "\nsudo /opt/bitnami/ctlscript.sh restart"}}})
		m.checking = false
	},
	// A step skipped until its question is answered says which question, never the flag.
	"waiting": func(t *testing.T, m *model) {
		site := domainStep{&steptest.MapStep{Name: "https"}}
		m.dash.all = append(m.dash.all, site)
		m.dash.rows = append(m.dash.rows, dashRow{step: "https", title: "HTTPS", checked: true, result: steps.Result{
			Step: "https", Title: "HTTPS", Status: steps.StatusSkipped, Detail: "no domain given: pass --domain example.com",
			State: steps.State{Skip: "no domain given: pass --domain example.com"}}})
	},
	"apply-all": func(t *testing.T, m *model) {
		settle(t, m, tea.KeyPressMsg{Code: 'a', Text: "a"})
		if _, ok := m.screen.(*confirmScreen); !ok {
			t.Fatalf("a on the list of steps did not show what apply all would do")
		}
	},
	"history": func(t *testing.T, m *model) {
		settle(t, m, historyMsg{})
		m.screen.(*historyScreen).loaded(historyReadMsg{entries: journalEntries()})
	},
	"undo-all": func(t *testing.T, m *model) {
		m.dash.undoable = map[string]int{"firewall": 1, "auto-upgrades": 1}
		m.dash.refreshKeys()
		settle(t, m, tea.KeyPressMsg{Code: 'U', Text: "U"})
		m.screen.(*undoScreen).loadedPlan(undoPlanMsg{step: everyStep, entries: journalEntries()})
	},
	// The reboot time on the instance's clock with the user's beside it, the mail relay.
	"questions": func(t *testing.T, m *model) {
		f := m.run.engine.Steps[0].(askingStep)
		m.run.engine.Steps[0] = optionsStep{MapStep: f.MapStep, opts: upgrades.New().Options(), zone: "Asia/Tokyo"}
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		paris, _ := time.LoadLocation("Europe/Paris")
		m.c.local, m.c.zones["Asia/Tokyo"] = paris, tokyo
		r := m.dash.rows[0].result
		r.State.Facts = zoneFacts{TimeZone: "Asia/Tokyo"}
		m.dash.rows[0].result = r
		settle(t, m, openStepMsg{step: "firewall"})
		settle(t, m, tea.KeyPressMsg{Code: tea.KeyEnter})
	},
	"mfa": func(t *testing.T, m *model) {
		settle(t, m, askMsg{kind: askShow, title: "Scan this with your authenticator app", body: mfaBody(), reply: make(chan askReply, 1)})
	},
	"log": func(t *testing.T, m *model) {
		for i := range 40 {
			m.onEvent(steps.Event{Kind: steps.EventCommand, Step: "https", At: m.now().Add(time.Duration(i) * time.Second),
				Message: "lightsail GetLoadBalancerTlsCertificates web-lb (certificate web-cert for www.example.com, " + lbDNS + ")"})
		}
		settle(t, m, tea.KeyPressMsg{Code: 'l', Text: "l"})
	},
}

// journalEntries are two changes as the journal holds them.
func journalEntries() []steps.Entry {
	at := time.Date(2026, 3, 1, 11, 58, 0, 0, time.UTC)
	return []steps.Entry{
		{ID: "1", Step: "firewall", State: steps.EntryDone, Began: at,
			Change: steps.Change{Action: steps.Update, Address: "map:firewall/22-tcp", Before: "0.0.0.0/0", After: "198.51.100.4/32"}},
		{ID: "2", Step: "auto-upgrades", State: steps.EntryDone, Began: at.Add(time.Minute),
			Change: steps.Change{Action: steps.Create, Address: "map:auto-upgrades/updates-origin", After: "enabled"}},
	}
}

// mfaBody is the MFA screen as iam-admin draws it: the QR code in half blocks, then the secret.
func mfaBody() string {
	var b strings.Builder
	qrterminal.GenerateWithConfig("otpauth://totp/AWS%3Aadministrator%40123456789012?issuer=AWS&secret="+mfaSeed, qrterminal.Config{
		Level: qrterminal.L, Writer: &b, HalfBlocks: true, QuietZone: 2,
		BlackChar: qrterminal.BLACK_BLACK, WhiteBlackChar: qrterminal.WHITE_BLACK,
		WhiteChar: qrterminal.WHITE_WHITE, BlackWhiteChar: qrterminal.BLACK_WHITE,
	})
	b.WriteString("\nScan the code with your authenticator app, or add an account by hand\nwith this secret key:\n\n")
	for i := 0; i < len(mfaSeed); i += 32 {
		var groups []string
		for j := i; j < i+32; j += 4 {
			groups = append(groups, mfaSeed[j:j+4])
		}
		b.WriteString("    " + strings.Join(groups, " ") + "\n")
	}
	b.WriteString("\nThen type two consecutive codes the app shows.\n")
	return b.String()
}

var sizes = []struct{ w, h int }{{80, 24}, {120, 36}}

func TestGolden(t *testing.T) {
	for name, scene := range scenes {
		for _, sz := range sizes {
			t.Run(name+"-"+fmtInt(sz.w)+"x"+fmtInt(sz.h), func(t *testing.T) {
				m := goldenModel(t, theme.Plain(), sz.w, sz.h)
				scene(t, m)
				out := ansi.Strip(m.render())
				checkFrame(t, out, sz.w, sz.h)
				golden.RequireEqual(t, out+"\n")
			})
		}
	}
	t.Run("dashboard-100x24-colour", func(t *testing.T) {
		m := goldenModel(t, theme.New(true), 100, 24)
		golden.RequireEqual(t, m.render()+"\n")
	})
}

func fmtInt(n int) string { return strconv.Itoa(n) }

// checkFrame: the frame fills the terminal exactly, nothing is wider, and nothing is cut with "…".
func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("the frame has %d lines, the terminal %d", len(lines), h)
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line wider than %d: %q", w, l)
		}
		if strings.HasSuffix(strings.TrimRight(l, " "), "…") && !strings.Contains(l, "checking") {
			t.Errorf("line cut with …: %q", l)
		}
	}
}

// TestNothingToCopyIsCut: every value the user must copy is on the screen whole, at both sizes;
// a secret is alone on its line.
func TestNothingToCopyIsCut(t *testing.T) {
	cases := []struct {
		scene string
		want  []string
		alone []string
	}{
		{"records", []string{cnameName, cnameValue, lbDNS}, nil},
		{"applied", []string{signIn, password, "sudo /opt/bitnami/ctlscript.sh restart"}, []string{password}},
		{"mfa", []string{"JBSW Y3DP EHPK 3PXP", "Then type two consecutive codes"}, nil},
	}
	for _, tc := range cases {
		for _, sz := range sizes {
			t.Run(tc.scene+"-"+fmtInt(sz.w), func(t *testing.T) {
				m := goldenModel(t, theme.Plain(), sz.w, sz.h)
				scenes[tc.scene](t, m)
				out := ansi.Strip(m.render())
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Errorf("the screen lacks %q whole:\n%s", w, out)
					}
				}
				for _, a := range tc.alone {
					if !strings.Contains(out, "\n"+a+" ") && !strings.Contains(out, "\n"+a+"\n") {
						t.Errorf("%q is not alone on its line:\n%s", a, out)
					}
				}
			})
		}
	}
}
