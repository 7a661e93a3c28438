package https

import (
	"strings"
	"testing"

	"github.com/hardsail/hardsail/assets"
)

const bitnamiTail = "define( 'WP_AUTO_UPDATE_CORE', 'minor' );\n/* That's all, stop editing! Happy publishing. */\n\n/** Sets up WordPress vars and included files. */\nrequire_once ABSPATH . 'wp-settings.php';\n"

func TestInsertBlock(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		before string // the line the block must directly precede
	}{
		{"before stop editing", "<?php\n" + bitnamiTail, "/* That's all, stop editing! Happy publishing. */\n"},
		{"before wp-settings when there is no stop line", "<?php\ndefine('A', 1);\nrequire_once ABSPATH . 'wp-settings.php';\n", "require_once ABSPATH . 'wp-settings.php';\n"},
		{"indented anchor keeps its indentation", "<?php\n  /* That's all, stop editing! */\n", "  /* That's all, stop editing! */\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := insertBlock([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), wpBlock+c.before) {
				t.Fatalf("block not right before %q:\n%s", c.before, out)
			}
			again, err := insertBlock(out)
			if err != nil || string(again) != string(out) {
				t.Errorf("inserting twice changed the file:\n%s", again)
			}
			s, e, ok := findBlock(out)
			if !ok || string(out[:s])+string(out[e:]) != c.body {
				t.Errorf("removing the block does not give the original bytes back")
			}
		})
	}
	if _, err := insertBlock([]byte("<?php\necho 1;\n")); err == nil {
		t.Error("a file with neither anchor got the block")
	}
}

func TestAssets(t *testing.T) {
	if !strings.HasPrefix(wpBlock, blockBegin) || !strings.HasSuffix(wpBlock, blockEnd) {
		t.Errorf("the wp-config block must start with %q and end with %q", blockBegin, blockEnd)
	}
	if !strings.Contains(wpBlock, "HTTP_X_FORWARDED_PROTO") {
		t.Error("the wp-config block does not read X-Forwarded-Proto")
	}
	if p := assets.LoadBalancerPrice(); p.Monthly() != "$18/month" || p.AsOf == "" || p.Source == "" {
		t.Errorf("price = %+v (%s)", p, p.Monthly())
	}
}
