// Command hardsail-emulator serves the AWS emulator (Lightsail, IAM, STS) for
// manual runs and for tests that drive hardsail or the aws CLI as a child
// process. The first line on stdout is the endpoint URL.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hardsail-emulator:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve the AWS endpoint on")
	scenario := flag.String("scenario", "wordpress-fresh", "initial state: wordpress-fresh, wordpress-hardened, "+emulator.ScenarioLightsailFresh+" or empty")
	bindSSH := flag.String("bind-ssh", "", "host:port of a real SSH server to put behind WordPress-1's firewall")
	instance := flag.String("instance", "WordPress-1", "instance that -bind-ssh binds")
	caPub := flag.String("ca-pub", "", "write the SSH user CA public key (for sshd TrustedUserCAKeys) to this file")
	flag.Parse()

	e, err := emulator.New(emulator.Options{Scenario: *scenario})
	if err != nil {
		return err
	}
	url, err := e.Listen(*listen)
	if err != nil {
		return err
	}
	defer e.Close()
	if *caPub != "" {
		if err := os.WriteFile(*caPub, ssh.MarshalAuthorizedKey(e.CAPublicKey()), 0o644); err != nil {
			return fmt.Errorf("write CA public key to %s: %w", *caPub, err)
		}
	}
	// The URL goes first and alone so scripts can read one line and go.
	fmt.Println(url)
	if *bindSSH != "" {
		if err := e.BindSSH(*instance, *bindSSH); err != nil {
			return err
		}
		fmt.Printf("ssh %s %s\n", *instance, e.InstanceAddr(*instance))
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}
