package substrate_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/testhost"
)

const instance = "WordPress-1"

// bound starts a real host that trusts the emulator's CA and binds the scenario's instance to it.
func bound(t *testing.T) (*emulator.Emulator, *testhost.Host, *lightsail.Client) {
	t.Helper()
	em := emulator.Start(t, emulator.Options{Scenario: "wordpress-fresh", OperationDelay: 10 * time.Millisecond})
	host := testhost.Start(t, testhost.Options{TrustedUserCAKeys: ssh.MarshalAuthorizedKey(em.CAPublicKey())})
	if err := em.BindSSH(instance, host.Addr); err != nil {
		t.Fatal(err)
	}
	return em, host, lightsail.NewFromConfig(em.AWSConfig())
}

// keyless builds an SSH client config from GetInstanceAccessDetails alone, as hardsail does:
// the temporary key and certificate for auth, and only the returned host keys trusted.
func keyless(t *testing.T, ls *lightsail.Client) (*ssh.ClientConfig, string) {
	t.Helper()
	out, err := ls.GetInstanceAccessDetails(context.Background(), &lightsail.GetInstanceAccessDetailsInput{
		InstanceName: aws.String(instance), Protocol: types.InstanceAccessProtocolSsh})
	if err != nil {
		t.Fatal(err)
	}
	d := out.AccessDetails
	key, err := ssh.ParsePrivateKey([]byte(aws.ToString(d.PrivateKey)))
	if err != nil {
		t.Fatalf("parse temporary key: %v", err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(aws.ToString(d.CertKey)))
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	cert, ok := pub.(*ssh.Certificate)
	if !ok {
		t.Fatalf("certKey is a %T, not a certificate", pub)
	}
	signer, err := ssh.NewCertSigner(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	var trusted []ssh.PublicKey
	var algos []string
	for _, hk := range d.HostKeys {
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(aws.ToString(hk.Algorithm) + " " + aws.ToString(hk.PublicKey)))
		if err != nil {
			t.Fatalf("host key %s: %v", aws.ToString(hk.Algorithm), err)
		}
		if got := ssh.FingerprintSHA256(k); got != aws.ToString(hk.FingerprintSHA256) {
			t.Fatalf("host key fingerprint %s, API says %s", got, aws.ToString(hk.FingerprintSHA256))
		}
		trusted = append(trusted, k)
		algos = append(algos, k.Type())
	}
	return &ssh.ClientConfig{
		User: aws.ToString(d.Username),
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			for _, tk := range trusted {
				if bytes.Equal(tk.Marshal(), k.Marshal()) {
					return nil
				}
			}
			return fmt.Errorf("host key %s is not one Lightsail reported", ssh.FingerprintSHA256(k))
		},
		HostKeyAlgorithms: algos,
		Timeout:           5 * time.Second,
	}, aws.ToString(d.IpAddress)
}

func run(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errOut bytes.Buffer
	s.Stdout, s.Stderr = &out, &errOut
	if err := s.Run(cmd); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, errOut.String())
	}
	return out.String()
}

func TestKeylessLoginToRealHost(t *testing.T) {
	em, host, ls := bound(t)
	cfg, ip := keyless(t, ls)
	addr := em.InstanceAddr(instance)
	if h, _, _ := net.SplitHostPort(addr); h != ip {
		t.Fatalf("access details give address %s, the instance is reached at %s", ip, addr)
	}
	c, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("keyless SSH through the emulated firewall: %v", err)
	}
	defer c.Close()
	if got := strings.TrimSpace(run(t, c, "id -un && sudo -n id -un")); got != "bitnami\nroot" {
		t.Fatalf("logged in as %q, want bitnami then root via sudo", got)
	}
	// The host keys Lightsail reports are the real server's: a client trusting only them reached it.
	if ssh.FingerprintSHA256(host.HostKey) == "" {
		t.Fatal("test host has no host key")
	}
}

func TestWrongHostKeyIsRefused(t *testing.T) {
	em, _, ls := bound(t)
	cfg, _ := keyless(t, ls)
	other, err := ssh.NewSignerFromKey(mustEd25519(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.HostKeyCallback = ssh.FixedHostKey(other.PublicKey())
	if c, err := ssh.Dial("tcp", em.InstanceAddr(instance), cfg); err == nil {
		c.Close()
		t.Fatal("connected although the host key is not the one trusted")
	}
}

func TestFirewallProxyBitesRealSSH(t *testing.T) {
	em, _, ls := bound(t)
	ctx := context.Background()
	put := func(cidrs ...string) {
		t.Helper()
		_, err := ls.PutInstancePublicPorts(ctx, &lightsail.PutInstancePublicPortsInput{
			InstanceName: aws.String(instance),
			PortInfos: []types.PortInfo{
				{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp, Cidrs: cidrs, CidrListAliases: []string{"lightsail-connect"}},
				{FromPort: 80, ToPort: 80, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"0.0.0.0/0"}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	dial := func() error {
		cfg, _ := keyless(t, ls)
		c, err := ssh.Dial("tcp", em.InstanceAddr(instance), cfg)
		if err == nil {
			run(t, c, "true")
			c.Close()
		}
		return err
	}
	if err := dial(); err != nil {
		t.Fatalf("open firewall: %v", err)
	}
	put("203.0.113.7/32")
	if err := dial(); err == nil {
		t.Fatal("SSH from 127.0.0.1 got through a firewall that admits only 203.0.113.7/32")
	}
	put("0.0.0.0/0")
	if err := dial(); err != nil {
		t.Fatalf("after restoring 0.0.0.0/0: %v", err)
	}
}

func mustEd25519(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
