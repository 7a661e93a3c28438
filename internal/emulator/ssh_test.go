package emulator_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"
	"golang.org/x/crypto/ssh"

	"github.com/hardsail/hardsail/internal/emulator"
)

// startSSHServer runs an in-process SSH server that, like Lightsail's
// sshd, trusts the emulator's user CA. It returns its address and host key.
func startSSHServer(t *testing.T, ca ssh.PublicKey) (string, ssh.PublicKey) {
	t.Helper()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	checker := &ssh.CertChecker{IsUserAuthority: func(k ssh.PublicKey) bool { return bytes.Equal(k.Marshal(), ca.Marshal()) }}
	cfg := &ssh.ServerConfig{PublicKeyCallback: checker.Authenticate}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					_ = c.Close()
					return
				}
				defer sc.Close()
				go ssh.DiscardRequests(reqs)
				for ch := range chans {
					_ = ch.Reject(ssh.Prohibited, "no channels in this test server")
				}
			}()
		}
	}()
	return ln.Addr().String(), hostSigner.PublicKey()
}

func accessDetails(t *testing.T, c *lightsail.Client) *types.InstanceAccessDetails {
	t.Helper()
	out, err := c.GetInstanceAccessDetails(ctxT(t), &lightsail.GetInstanceAccessDetailsInput{InstanceName: aws.String("WordPress-1")})
	checkErr(t, err, noErr)
	return out.AccessDetails
}

// sshClientConfig builds what hardsail builds from GetInstanceAccessDetails:
// the temp key plus certificate, and a host key pinned to hostKeys[0].
func sshClientConfig(t *testing.T, ad *types.InstanceAccessDetails) *ssh.ClientConfig {
	t.Helper()
	key, err := ssh.ParsePrivateKey([]byte(aws.ToString(ad.PrivateKey)))
	if err != nil {
		t.Fatalf("parse privateKey: %v", err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(aws.ToString(ad.CertKey)))
	if err != nil {
		t.Fatalf("parse certKey: %v", err)
	}
	signer, err := ssh.NewCertSigner(pub.(*ssh.Certificate), key)
	if err != nil {
		t.Fatalf("combine certificate and key: %v", err)
	}
	want := aws.ToString(ad.HostKeys[0].FingerprintSHA256)
	return &ssh.ClientConfig{
		User:              aws.ToString(ad.Username),
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			if ssh.FingerprintSHA256(k) != want {
				return errors.New("host key mismatch")
			}
			return nil
		},
		Timeout: 3 * time.Second,
	}
}

func TestAccessDetailsMaterial(t *testing.T) {
	e, c := startFast(t, nil)
	ad := accessDetails(t, c)
	if aws.ToString(ad.Username) != "bitnami" || aws.ToString(ad.IpAddress) != "192.0.2.10" || ad.Protocol != types.InstanceAccessProtocolSsh {
		t.Errorf("username=%s ip=%s protocol=%s", aws.ToString(ad.Username), aws.ToString(ad.IpAddress), ad.Protocol)
	}
	if !strings.Contains(aws.ToString(ad.PrivateKey), "BEGIN OPENSSH PRIVATE KEY") {
		t.Errorf("privateKey is not OpenSSH PEM: %.40q", aws.ToString(ad.PrivateKey))
	}
	key, err := ssh.ParsePrivateKey([]byte(aws.ToString(ad.PrivateKey)))
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(aws.ToString(ad.CertKey)))
	if err != nil {
		t.Fatal(err)
	}
	cert, ok := pub.(*ssh.Certificate)
	if !ok {
		t.Fatalf("certKey is a %T, want a certificate", pub)
	}
	checker := ssh.CertChecker{IsUserAuthority: func(k ssh.PublicKey) bool { return bytes.Equal(k.Marshal(), e.CAPublicKey().Marshal()) }}
	if err := checker.CheckCert("bitnami", cert); err != nil {
		t.Errorf("certificate not valid for bitnami under the emulator CA: %v", err)
	}
	if err := checker.CheckCert("root", cert); err == nil {
		t.Error("certificate is valid for root too")
	}
	if !bytes.Equal(cert.Key.Marshal(), key.PublicKey().Marshal()) {
		t.Error("certificate is not for the returned private key")
	}
	life := time.Until(time.Unix(int64(cert.ValidBefore), 0))
	if life < 55*time.Minute || life > 65*time.Minute || ad.ExpiresAt == nil || ad.ExpiresAt.Unix() != int64(cert.ValidBefore) {
		t.Errorf("certificate lives %v, expiresAt %v; want about an hour and matching", life, ad.ExpiresAt)
	}
	hk := ad.HostKeys[0]
	if aws.ToString(hk.Algorithm) != "ssh-ed25519" || !strings.HasPrefix(aws.ToString(hk.FingerprintSHA256), "SHA256:") ||
		!strings.HasPrefix(aws.ToString(hk.FingerprintSHA1), "SHA1:") || hk.WitnessedAt == nil {
		t.Errorf("host key = %+v", hk)
	}
	again := accessDetails(t, c)
	if aws.ToString(again.PrivateKey) == aws.ToString(ad.PrivateKey) {
		t.Error("two calls returned the same temporary key")
	}
	if aws.ToString(again.HostKeys[0].PublicKey) != aws.ToString(hk.PublicKey) {
		t.Error("an unbound instance's host key changed between calls")
	}
	_, err = c.GetInstanceAccessDetails(ctxT(t), &lightsail.GetInstanceAccessDetailsInput{InstanceName: aws.String("nope")})
	checkErr(t, err, notFoundErr)
	_, err = c.GetInstanceAccessDetails(ctxT(t), &lightsail.GetInstanceAccessDetailsInput{InstanceName: aws.String("WordPress-1"), Protocol: types.InstanceAccessProtocolRdp})
	checkErr(t, err, invalidErr)
}

func TestFirewallProxy(t *testing.T) {
	e, c := startFast(t, nil)
	sshAddr, hostKey := startSSHServer(t, e.CAPublicKey())
	if err := e.BindSSH("WordPress-1", sshAddr); err != nil {
		t.Fatal(err)
	}
	addr := e.InstanceAddr("WordPress-1")
	host, port, _ := net.SplitHostPort(addr)
	ad := accessDetails(t, c)
	if os.Geteuid() == 0 {
		if port != "22" || host == "127.0.0.1" || aws.ToString(ad.IpAddress) != host {
			t.Errorf("as root: proxy at %s, instance IP %s; want its own 127.0.0.N:22 as the public IP", addr, aws.ToString(ad.IpAddress))
		}
	} else if host != "127.0.0.1" {
		t.Errorf("proxy at %s, want 127.0.0.1", addr)
	}
	if got := aws.ToString(ad.HostKeys[0].FingerprintSHA256); got != ssh.FingerprintSHA256(hostKey) {
		t.Fatalf("hostKeys fingerprint %s is not the bound server's %s", got, ssh.FingerprintSHA256(hostKey))
	}
	cfg := sshClientConfig(t, ad)
	dial := func() error {
		cl, err := ssh.Dial("tcp", addr, cfg)
		if err == nil {
			_ = cl.Close()
		}
		return err
	}
	setSSH := func(cidr string) {
		t.Helper()
		_, err := c.PutInstancePublicPorts(ctxT(t), &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"),
			PortInfos: []types.PortInfo{tcp(22, 22, cidr), tcp(80, 80)}})
		checkErr(t, err, noErr)
	}

	if err := dial(); err != nil {
		t.Fatalf("SSH through the open firewall: %v", err)
	}
	kept, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()

	steps := []struct {
		name   string
		cidr   string
		wantOK bool
	}{
		{"restricted to another address", "203.0.113.7/32", false},
		{"restricted to 127.0.0.1, the source Linux picks", "127.0.0.1/32", true},
		{"only port 80 open", "", false},
		{"restored to anywhere", "0.0.0.0/0", true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.cidr == "" {
				_, err := c.PutInstancePublicPorts(ctxT(t), &lightsail.PutInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"), PortInfos: []types.PortInfo{tcp(80, 80)}})
				checkErr(t, err, noErr)
			} else {
				setSSH(s.cidr)
			}
			err := dial()
			if s.wantOK && err != nil {
				t.Errorf("new SSH connection refused: %v", err)
			}
			if !s.wantOK && err == nil {
				t.Error("new SSH connection admitted through a closed firewall")
			}
			// An established session survives rule changes (stateful firewall).
			if _, _, err := kept.SendRequest("keepalive@openssh.com", true, nil); err != nil {
				t.Errorf("established session broke after the rule change: %v", err)
			}
		})
	}
}

func TestBindSSHUnknownInstance(t *testing.T) {
	e := emulator.Start(t, emulator.Options{})
	if err := e.BindSSH("WordPress-9", "127.0.0.1:1"); err == nil {
		t.Error("BindSSH accepted an instance that does not exist")
	}
	if got := e.InstanceAddr("WordPress-1"); got != "" {
		t.Errorf("unbound instance has address %q", got)
	}
}

// TestLightsailScenario: the Lightsail-packaged blueprint's instance reports its own blueprint and
// user admin, and its port 22 admits only the browser client's alias, so the caller's first SSH is
// refused until the firewall allows its address; the Bitnami scenario is unchanged beside it.
func TestLightsailScenario(t *testing.T) {
	e, c := startFast(t, func(o *emulator.Options) { o.Scenario = emulator.ScenarioLightsailFresh })
	out, err := c.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	checkErr(t, err, noErr)
	in := out.Instance
	if got := []string{aws.ToString(in.BlueprintId), aws.ToString(in.BlueprintName), aws.ToString(in.Username)}; !slices.Equal(got, []string{"wordpress_lightsail", "WordPress", "admin"}) {
		t.Errorf("blueprint id, name, user = %v", got)
	}
	wantRules := []string{"22-22/tcp[||lightsail-connect]", "80-80/tcp[0.0.0.0/0|::/0|]", "443-443/tcp[0.0.0.0/0|::/0|]"}
	if got := ruleSummary(portStates(t, c, "WordPress-1")); !slices.Equal(got, wantRules) {
		t.Errorf("port states = %v, want %v", got, wantRules)
	}

	sshAddr, _ := startSSHServer(t, e.CAPublicKey())
	if err := e.BindSSH("WordPress-1", sshAddr); err != nil {
		t.Fatal(err)
	}
	ad := accessDetails(t, c)
	if aws.ToString(ad.Username) != "admin" {
		t.Errorf("access details user %q, want admin", aws.ToString(ad.Username))
	}
	cfg := sshClientConfig(t, ad)
	if cfg.User != "admin" {
		t.Fatalf("client config user %q", cfg.User)
	}
	dial := func() error {
		cl, err := ssh.Dial("tcp", e.InstanceAddr("WordPress-1"), cfg)
		if err == nil {
			_ = cl.Close()
		}
		return err
	}
	if err := dial(); err == nil {
		t.Fatal("SSH from the caller admitted while port 22 allows only lightsail-connect")
	}
	_, err = c.OpenInstancePublicPorts(ctxT(t), &lightsail.OpenInstancePublicPortsInput{InstanceName: aws.String("WordPress-1"),
		PortInfo: &types.PortInfo{FromPort: 22, ToPort: 22, Protocol: types.NetworkProtocolTcp, Cidrs: []string{"127.0.0.1/32"}, CidrListAliases: []string{"lightsail-connect"}}})
	checkErr(t, err, noErr)
	if err := dial(); err != nil {
		t.Errorf("SSH refused after the firewall allowed the caller: %v", err)
	}

	_, bc := startFast(t, nil)
	bout, err := bc.GetInstance(ctxT(t), &lightsail.GetInstanceInput{InstanceName: aws.String("WordPress-1")})
	checkErr(t, err, noErr)
	if aws.ToString(bout.Instance.BlueprintId) != "wordpress" || aws.ToString(bout.Instance.Username) != "bitnami" {
		t.Errorf("default scenario changed: %s / %s", aws.ToString(bout.Instance.BlueprintId), aws.ToString(bout.Instance.Username))
	}
}
