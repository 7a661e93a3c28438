package emulator

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// accessCertLifetime is how long GetInstanceAccessDetails material is valid;
// Lightsail's temporary keys also last about an hour.
const accessCertLifetime = time.Hour

type hostKeyAttributes struct {
	Algorithm         string     `json:"algorithm"`
	PublicKey         string     `json:"publicKey"`
	WitnessedAt       *Timestamp `json:"witnessedAt"`
	FingerprintSHA1   string     `json:"fingerprintSHA1"`
	FingerprintSHA256 string     `json:"fingerprintSHA256"`
	NotValidBefore    *Timestamp `json:"notValidBefore,omitempty"`
	NotValidAfter     *Timestamp `json:"notValidAfter,omitempty"`
}

type instanceAccessDetails struct {
	CertKey       string              `json:"certKey"`
	ExpiresAt     *Timestamp          `json:"expiresAt"`
	IPAddress     string              `json:"ipAddress"`
	Ipv6Addresses []string            `json:"ipv6Addresses,omitempty"`
	PrivateKey    string              `json:"privateKey"`
	Protocol      string              `json:"protocol"`
	InstanceName  string              `json:"instanceName"`
	Username      string              `json:"username"`
	HostKeys      []hostKeyAttributes `json:"hostKeys"`
}

// getInstanceAccessDetails issues a fresh ed25519 key plus a user certificate
// for it signed by the emulator's CA, like Lightsail's browser-SSH flow.
func (e *Emulator) getInstanceAccessDetails(region string, body []byte) (any, *apiError) {
	var in struct {
		InstanceName string `json:"instanceName"`
		Protocol     string `json:"protocol"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch in.Protocol {
	case "", "ssh":
	case "rdp":
		return nil, invalid("RDP access is only available for Windows instances; %s runs Linux.", in.InstanceName)
	default:
		return nil, invalid("The protocol %q is not valid. Valid values are ssh and rdp.", in.Protocol)
	}
	t, aerr := e.accessTarget(region, in.InstanceName)
	if aerr != nil {
		return nil, aerr
	}
	now := time.Now()
	expires := now.Add(accessCertLifetime)
	certKey, privateKey, aerr := e.issueAccessCert(in.InstanceName, t.username, now, expires)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"accessDetails": instanceAccessDetails{
		CertKey:       certKey,
		ExpiresAt:     ts(expires),
		IPAddress:     t.ip,
		Ipv6Addresses: t.v6,
		PrivateKey:    privateKey,
		Protocol:      "ssh",
		InstanceName:  in.InstanceName,
		Username:      t.username,
		HostKeys:      []hostKeyAttributes{hostKeyAttrs(t.hostKey, now)},
	}}, nil
}

// accessTarget is what GetInstanceAccessDetails tells of an instance: its login, its addresses and
// the host key Lightsail witnessed.
type accessTarget struct {
	username, ip string
	v6           []string
	hostKey      ssh.PublicKey
}

// accessTarget reads the instance's login and addresses, and its host key: the real one of the SSH
// server behind its proxy, or else one derived from a seed the instance keeps.
func (e *Emulator) accessTarget(region, name string) (accessTarget, *apiError) {
	e.mu.Lock()
	inst, aerr := e.ls.instance(region, name)
	if aerr != nil {
		e.mu.Unlock()
		return accessTarget{}, aerr
	}
	t := accessTarget{username: inst.Username, ip: inst.PublicIPAddress, v6: append([]string(nil), inst.Ipv6Addresses...)}
	var sshAddr string
	if p := e.proxies[inst.Name]; p != nil {
		sshAddr = p.target
	}
	if inst.hostKey == nil {
		inst.hostKey = make([]byte, ed25519.SeedSize)
		_, _ = rand.Read(inst.hostKey)
	}
	fallback := ed25519.NewKeyFromSeed(inst.hostKey)
	e.mu.Unlock()

	if sshAddr != "" {
		k, err := fetchHostKey(sshAddr)
		if err != nil {
			return t, serviceFault("read host key of %s at %s: %v", name, sshAddr, err)
		}
		t.hostKey = k
		return t, nil
	}
	k, err := ssh.NewPublicKey(fallback.Public())
	if err != nil {
		return t, serviceFault("derive host key: %v", err)
	}
	t.hostKey = k
	return t, nil
}

// issueAccessCert makes a temporary ed25519 key and a user certificate for it, signed by the
// emulator's CA, valid for username until expires: the certificate in authorized_keys form and the
// private key in PEM.
func (e *Emulator) issueAccessCert(instance, username string, now, expires time.Time) (certKey, privateKey string, _ *apiError) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", serviceFault("generate temporary key: %v", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "lightsail-temporary-key")
	if err != nil {
		return "", "", serviceFault("encode temporary key: %v", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", "", serviceFault("wrap temporary key: %v", err)
	}
	cert := &ssh.Certificate{
		Key:             sshPub,
		CertType:        ssh.UserCert,
		KeyId:           "lightsail-" + instance + "-" + newUUID(),
		ValidPrincipals: []string{username},
		// A little slack before now so clock skew with the host does not reject it.
		ValidAfter:  uint64(now.Add(-5 * time.Minute).Unix()),
		ValidBefore: uint64(expires.Unix()),
		Permissions: ssh.Permissions{Extensions: map[string]string{
			"permit-pty": "", "permit-port-forwarding": "", "permit-agent-forwarding": "", "permit-X11-forwarding": "", "permit-user-rc": "",
		}},
	}
	if err := cert.SignCert(rand.Reader, e.ca); err != nil {
		return "", "", serviceFault("sign temporary certificate: %v", err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(cert))), string(pem.EncodeToMemory(block)), nil
}

// hostKeyAttrs is a host key as Lightsail reports it, witnessed at now.
func hostKeyAttrs(hostKey ssh.PublicKey, now time.Time) hostKeyAttributes {
	sum := sha1.Sum(hostKey.Marshal())
	return hostKeyAttributes{
		Algorithm: hostKey.Type(),
		// The bare base64 blob; "algorithm publicKey" is a known_hosts key.
		PublicKey:         base64.StdEncoding.EncodeToString(hostKey.Marshal()),
		WitnessedAt:       ts(now),
		FingerprintSHA1:   "SHA1:" + base64.RawStdEncoding.EncodeToString(sum[:]),
		FingerprintSHA256: ssh.FingerprintSHA256(hostKey),
		NotValidBefore:    ts(scenarioEpoch),
		NotValidAfter:     ts(scenarioEpoch.Add(10 * 365 * 24 * time.Hour)),
	}
}

var errGotHostKey = errors.New("host key captured")

// fetchHostKey learns a server's ed25519 host key from the first half of an
// SSH handshake, aborting before authentication.
func fetchHostKey(addr string) (ssh.PublicKey, error) {
	var got ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User:              "hostkey-probe",
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			got = key
			return errGotHostKey
		},
		Timeout: 5 * time.Second,
	}
	c, err := ssh.Dial("tcp", addr, cfg)
	if c != nil {
		_ = c.Close()
	}
	if got != nil {
		return got, nil
	}
	if err == nil {
		err = errors.New("server completed a handshake without presenting a host key")
	}
	return nil, err
}

// sshProxy is the instance's public firewall in front of a real SSH server.
type sshProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
}

func (p *sshProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *sshProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *sshProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

var (
	loopbackMu   sync.Mutex
	nextLoopback = 2
)

// listenPublic picks where the proxy listens. As root it takes a loopback
// address of its own, 127.0.0.N:22, so the instance has a distinct "public
// IP" on the real SSH port (all of 127/8 is local on Linux, no setup needed).
// Otherwise port 22 is not available and it uses 127.0.0.1 on a free port.
func listenPublic() (net.Listener, bool, error) {
	if os.Geteuid() != 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		return ln, false, err
	}
	loopbackMu.Lock()
	defer loopbackMu.Unlock()
	var lastErr error
	for range 253 {
		n := nextLoopback
		nextLoopback++
		if nextLoopback > 254 {
			nextLoopback = 2
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:22", n))
		if err == nil {
			return ln, true, nil
		}
		lastErr = err
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return nil, false, lastErr
}

// BindSSH puts a firewall-enforcing TCP proxy in front of the SSH server at
// sshAddr and makes it the instance's SSH endpoint. Each new connection is
// admitted only if its source address passes the instance's port-22 rules
// as they are at accept time; established sessions are left alone, as with a
// stateful firewall.
//
// Note on source addresses: a client dialing 127.0.0.N from an unbound
// socket gets source 127.0.0.1, because the kernel's local route
// "local 127.0.0.0/8 dev lo ... src 127.0.0.1" (`ip route get 127.0.0.5`
// shows "src 127.0.0.1") picks that preferred source. So a rule set that
// does not admit 127.0.0.1 locks the test client out, just as restricting
// SSH to another IP locks out a real admin.
func (e *Emulator) BindSSH(instanceName, sshAddr string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	inst, aerr := e.ls.named(e.opts.Region, instanceName)
	if aerr != nil {
		return fmt.Errorf("bind SSH of %s: %w", instanceName, aerr)
	}
	if old := e.proxies[instanceName]; old != nil {
		old.close()
		delete(e.proxies, instanceName)
	}
	ln, own, err := listenPublic()
	if err != nil {
		return fmt.Errorf("bind SSH of %s: listen for proxy: %w", instanceName, err)
	}
	p := &sshProxy{ln: ln, target: sshAddr, conns: map[net.Conn]struct{}{}}
	e.proxies[instanceName] = p
	if own {
		inst.PublicIPAddress = ln.Addr().(*net.TCPAddr).IP.String()
	}
	go e.serveProxy(instanceName, p)
	return nil
}

// InstanceAddr is the host:port hardsail should dial to reach the instance's
// SSH server through its firewall, or "" when the instance is not bound.
func (e *Emulator) InstanceAddr(instanceName string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.proxies[instanceName]; p != nil {
		return p.ln.Addr().String()
	}
	return ""
}

func (e *Emulator) admits(instanceName string, remote net.Addr) bool {
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	inst, aerr := e.ls.named(e.opts.Region, instanceName)
	if aerr != nil {
		return false
	}
	return portAllowed(inst.Networking.Ports, 22, ap.Addr())
}

func (e *Emulator) serveProxy(instanceName string, p *sshProxy) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !e.admits(instanceName, c.RemoteAddr()) {
			// Lightsail's firewall drops the SYN; closing at once is the
			// closest a userspace proxy gets, and the SSH client fails either way.
			_ = c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *sshProxy) pipe(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(client) || !p.track(server) {
		_ = client.Close()
		_ = server.Close()
		return
	}
	defer func() {
		_ = client.Close()
		_ = server.Close()
		p.untrack(client)
		p.untrack(server)
	}()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(server, client)
	go cp(client, server)
	<-done
	<-done
}
