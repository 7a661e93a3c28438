// Package hostmanifest is the exact content of a fresh Lightsail WordPress instance's tree, one per
// blueprint flavour (Bitnami: this file; packaged by Lightsail: lightsail.go), that the tests' real
// Debian host (internal/testhost) is built with and the demo's host (internal/demohost) stands in
// for: pure data, so the demo links no test harness. For(flavour) returns either as a Manifest.
package hostmanifest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"strings"
	"time"
)

// DB variants of the Bitnami layout.
const (
	DBMySQL   = "mysql"
	DBMariaDB = "mariadb"
)

// Hostname is the instance's hostname, in the ip-A-B-C-D form Lightsail gives instances.
const Hostname = "ip-172-26-5-10"

// Now is the moment the Bitnami tree's mtimes were "taken" at: live logs were last
// written just before it, rotated ones days to a year earlier. Cleanup tests that
// judge age should use it as their clock.
var Now = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)

// LogFile is one log file of the Bitnami tree, with the exact attributes it has on every fresh instance.
type LogFile struct {
	Path    string      // absolute path inside the host (MySQL layout in Logs; see LogsFor)
	ModTime time.Time   // exact mtime, whole seconds
	Size    int64       // exact size in bytes
	Live    bool        // the file a running service writes to; a cleanup must keep it
	Family  string      // "apache-access", "apache-error", "db" or "php-fpm"
	Mode    fs.FileMode // permission bits
	UID     int
	GID     int
}

// Rotated reports whether the file is a rotated copy (numbered or dated), i.e. not Live.
func (l LogFile) Rotated() bool { return !l.Live }

// Compressed reports whether the file is a (valid) gzip file.
func (l LogFile) Compressed() bool { return strings.HasSuffix(l.Path, ".gz") }

// File is a non-log file of a tree.
type File struct {
	Path    string
	ModTime time.Time
	Size    int64
	Mode    fs.FileMode
	UID     int
	GID     int
	Body    string // the content; empty in WPConfig (its body is WPConfigPHP), set in every Manifest.Files
}

// Numeric ids inside the host; the build creates these users (daemon is Debian's gid 1).
const (
	BitnamiUID = 1000
	BitnamiGID = 1000
	DaemonGID  = 1
	MySQLUID   = 1001
	MySQLGID   = 1001
)

func ago(d time.Duration) time.Time { return Now.Add(-d) }

// rotatedAt is the mtime logrotate leaves on a dated file: the rotation run on that day.
func rotatedAt(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 7, 0, time.UTC)
}

const day = 24 * time.Hour

// Logs is the log part of the Bitnami tree on a MySQL instance, sorted by path.
var Logs = []LogFile{
	{Path: "/opt/bitnami/apache/logs/access_log", ModTime: ago(3 * time.Minute), Size: 48213, Live: true, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log-20240601.gz", ModTime: rotatedAt(2024, 6, 1), Size: 211840, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log-20250101.gz", ModTime: rotatedAt(2025, 1, 1), Size: 96512, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log-20250401.gz", ModTime: rotatedAt(2025, 4, 1), Size: 40960, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log-20250518.gz", ModTime: rotatedAt(2025, 5, 18), Size: 20480, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log-20250525.gz", ModTime: rotatedAt(2025, 5, 25), Size: 18944, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log.1", ModTime: ago(1*day + 2*time.Hour), Size: 65536, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log.2.gz", ModTime: ago(2*day + 2*time.Hour), Size: 9216, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/access_log.3.gz", ModTime: ago(3*day + 2*time.Hour), Size: 8704, Family: "apache-access", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/error_log", ModTime: ago(17 * time.Minute), Size: 7311, Live: true, Family: "apache-error", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/error_log-20241201.gz", ModTime: rotatedAt(2024, 12, 1), Size: 3072, Family: "apache-error", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/error_log-20250301.gz", ModTime: rotatedAt(2025, 3, 1), Size: 2048, Family: "apache-error", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/error_log-20250525.gz", ModTime: rotatedAt(2025, 5, 25), Size: 1536, Family: "apache-error", Mode: 0o644},
	{Path: "/opt/bitnami/apache/logs/error_log.1", ModTime: ago(1*day + 2*time.Hour), Size: 4096, Family: "apache-error", Mode: 0o644},
	{Path: "/opt/bitnami/mysql/logs/mysqld.log", ModTime: ago(42 * time.Minute), Size: 12877, Live: true, Family: "db", Mode: 0o640, UID: MySQLUID, GID: MySQLGID},
	{Path: "/opt/bitnami/mysql/logs/mysqld.log-20250401.gz", ModTime: rotatedAt(2025, 4, 1), Size: 5120, Family: "db", Mode: 0o640, UID: MySQLUID, GID: MySQLGID},
	{Path: "/opt/bitnami/mysql/logs/mysqld.log.1", ModTime: ago(7 * day), Size: 16384, Family: "db", Mode: 0o640, UID: MySQLUID, GID: MySQLGID},
	{Path: "/opt/bitnami/mysql/logs/mysqld.log.2.gz", ModTime: ago(14 * day), Size: 4608, Family: "db", Mode: 0o640, UID: MySQLUID, GID: MySQLGID},
	{Path: "/opt/bitnami/php/logs/php-fpm.log", ModTime: ago(9 * time.Minute), Size: 2950, Live: true, Family: "php-fpm", Mode: 0o644},
	{Path: "/opt/bitnami/php/logs/php-fpm.log-20240901.gz", ModTime: rotatedAt(2024, 9, 1), Size: 1024, Family: "php-fpm", Mode: 0o644},
	{Path: "/opt/bitnami/php/logs/php-fpm.log-20250515.gz", ModTime: rotatedAt(2025, 5, 15), Size: 1280, Family: "php-fpm", Mode: 0o644},
	{Path: "/opt/bitnami/php/logs/php-fpm.log.1", ModTime: ago(3 * day), Size: 8192, Family: "php-fpm", Mode: 0o644},
}

// LogsFor returns Logs as laid out on an instance started with Options{DB: db}:
// on "mariadb" the database logs live under /opt/bitnami/mariadb.
func LogsFor(db string) []LogFile {
	out := make([]LogFile, len(Logs))
	copy(out, Logs)
	if db == DBMariaDB {
		for i := range out {
			out[i].Path = strings.Replace(out[i].Path, "/opt/bitnami/mysql/", "/opt/bitnami/mariadb/", 1)
		}
	}
	return out
}

// WPConfig is Bitnami's wp-config.php (owned bitnami:daemon, 0640 as on the blueprint).
var WPConfig = File{
	Path:    "/opt/bitnami/wordpress/wp-config.php",
	ModTime: time.Date(2025, time.March, 12, 9, 41, 3, 0, time.UTC),
	Size:    int64(len(WPConfigPHP)),
	Mode:    0o640,
	UID:     BitnamiUID,
	GID:     DaemonGID,
}

// DirMTime is every Bitnami directory's mtime, so TreeHash and stat output are reproducible.
var DirMTime = time.Date(2025, time.March, 12, 9, 40, 0, 0, time.UTC)

// WPConfigPHP is the body of WPConfig (the demo host serves the same file).
const WPConfigPHP = `<?php
/**
 * The base configuration for WordPress
 *
 * The wp-config.php creation script uses this file during the installation.
 * You don't have to use the web site, you can copy this file to "wp-config.php"
 * and fill in the values.
 *
 * @link https://wordpress.org/documentation/article/editing-wp-config-php/
 *
 * @package WordPress
 */

// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( 'DB_NAME', 'bitnami_wordpress' );

/** Database username */
define( 'DB_USER', 'bn_wordpress' );

/** Database password */
define( 'DB_PASSWORD', 'c6b1f0a2d94e7f3b8a5c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a' );

/** Database hostname */
define( 'DB_HOST', '127.0.0.1:3306' );

/** Database charset to use in creating database tables. */
define( 'DB_CHARSET', 'utf8' );

/** The database collate type. Don't change this if in doubt. */
define( 'DB_COLLATE', '' );

/**#@+
 * Authentication unique keys and salts.
 */
define( 'AUTH_KEY',         'Jq1~x>z0Hn|d#Wk7p*Ly3!Rf9+Tg2@Vb5%Mc8^Ns4&Qh6(Pj)Ue-Oi=Ka_Xw?Zr' );
define( 'SECURE_AUTH_KEY',  'Gm7]Bt3{Yc9}Lf5;Ns1:Vh8<Qk2>Wp6,Dj4.Xr0/Zu~Ae!Io@Uy#Hs$Tg%Kb^Pl' );
define( 'LOGGED_IN_KEY',    'Rt4&Sf8*Ug2(Vh6)Wi0-Xj3=Yk7_Zl1+Am5[Bn9]Co2{Dp6}Eq0;Fr4:Gs8<Ht3>' );
define( 'NONCE_KEY',        'Lw6,Mx0.Ny4/Oz8~Pa2!Qb6@Rc0#Sd4$Te8%Uf2^Vg6&Wh0*Xi4(Yj8)Zk2-Al6=' );
define( 'AUTH_SALT',        'Cn3_Do7+Ep1[Fq5]Gr9{Hs3}It7;Ju1:Kv5<Lw9>Mx3,Ny7.Oz1/Pa5~Qb9!Rc3@' );
define( 'SECURE_AUTH_SALT', 'Sd7#Te1$Uf5%Vg9^Wh3&Xi7*Yj1(Zk5)Al9-Bm3=Cn7_Do1+Ep5[Fq9]Gr3{Hs7}' );
define( 'LOGGED_IN_SALT',   'It1;Ju5:Kv9<Lw3>Mx7,Ny1.Oz5/Pa9~Qb3!Rc7@Sd1#Te5$Uf9%Vg3^Wh7&Xi1*' );
define( 'NONCE_SALT',       'Yj5(Zk9)Al3-Bm7=Cn1_Do5+Ep9[Fq3]Gr7{Hs1}It5;Ju9:Kv3<Lw7>Mx1,Ny5.' );

/**#@-*/

/**
 * WordPress database table prefix.
 */
$table_prefix = 'wp_';

/**
 * For developers: WordPress debugging mode.
 */
define( 'WP_DEBUG', false );

/* Add any custom values between this line and the "stop editing" line. */

define( 'FS_METHOD', 'direct' );
/**
 * The WP_SITEURL and WP_HOME options are configured to access from any hostname or IP address.
 * If you want to access only from an specific domain, you can modify them. For example:
 *  define('WP_HOME','http://example.com');
 *  define('WP_SITEURL','http://example.com');
 *
 */
if ( defined( 'WP_CLI' ) ) {
	$_SERVER['HTTP_HOST'] = '127.0.0.1';
}

define( 'WP_HOME', 'http://' . $_SERVER['HTTP_HOST'] . '/' );
define( 'WP_SITEURL', 'http://' . $_SERVER['HTTP_HOST'] . '/' );
define( 'WP_AUTO_UPDATE_CORE', 'minor' );
/* That's all, stop editing! Happy publishing. */

/** Absolute path to the WordPress directory. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

/** Sets up WordPress vars and included files. */
require_once ABSPATH . 'wp-settings.php';

/**
 * Disable pingback.ping xmlrpc method to prevent WordPress from participating in DDoS attacks
 * More info at: https://docs.bitnami.com/general/apps/wordpress/troubleshooting/xmlrpc-and-pingback/
 */
if ( !defined( 'WP_CLI' ) ) {
	// remove x-pingback HTTP header
	add_filter("wp_headers", function($headers) {
		unset($headers["X-Pingback"]);
		return $headers;
	});
	// disable pingbacks
	add_filter( "xmlrpc_methods", function( $methods ) {
		unset( $methods["pingback.ping"] );
		return $methods;
	});
}
`

// LogContent returns exactly size bytes of plausible log text for l, a valid gzip stream for .gz files.
func LogContent(l LogFile) ([]byte, error) {
	if !l.Compressed() {
		return logText(l, int(l.Size)), nil
	}
	// Stored (uncompressed) deflate blocks make the gzip size an exact function of the
	// payload size, so the manifest can state sizes while the files stay valid gzip.
	const hdr, trailer, perBlock, maxBlock = 10, 8, 5, 65535
	for blocks := 1; ; blocks++ {
		n := int(l.Size) - hdr - trailer - perBlock*blocks
		if n < 0 {
			return nil, fmt.Errorf("log %s: size %d too small for a gzip file", l.Path, l.Size)
		}
		if (n+maxBlock-1)/maxBlock > blocks {
			continue
		}
		payload := logText(l, n)
		var b bytes.Buffer
		b.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
		for i := 0; i < blocks; i++ {
			chunk := payload[min(i*maxBlock, n):min((i+1)*maxBlock, n)]
			final := byte(0)
			if i == blocks-1 {
				final = 1
			}
			b.WriteByte(final)
			binary.Write(&b, binary.LittleEndian, uint16(len(chunk)))
			binary.Write(&b, binary.LittleEndian, ^uint16(len(chunk)))
			b.Write(chunk)
		}
		binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(payload))
		binary.Write(&b, binary.LittleEndian, uint32(n))
		if int64(b.Len()) != l.Size {
			return nil, fmt.Errorf("log %s: built %d bytes, want %d", l.Path, b.Len(), l.Size)
		}
		return b.Bytes(), nil
	}
}

// logText is n bytes of newline-terminated lines in the style of l's family.
func logText(l LogFile, n int) []byte {
	var b bytes.Buffer
	bitnami := strings.HasPrefix(l.Path, "/opt/bitnami/")
	webRoot := "/opt/bitnami/wordpress"
	if !bitnami {
		webRoot = LightsailWebRoot
	}
	// Every line is over 60 bytes, so starting this far back keeps the last entry before ModTime.
	t := l.ModTime.Add(-time.Duration(n/60+2) * 37 * time.Second)
	for i := 0; b.Len() < n; i++ {
		t = t.Add(37 * time.Second)
		switch {
		case l.Family == "apache-access":
			fmt.Fprintf(&b, "203.0.113.%d - - [%s] \"GET /?p=%d HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n",
				i%250+1, t.Format("02/Jan/2006:15:04:05 -0700"), i, 5000+i%900)
		case l.Family == "apache-error":
			fmt.Fprintf(&b, "[%s] [php:warn] [pid %d:tid %d] [client 198.51.100.%d:%d] PHP Warning:  Undefined array key \"page\" in %s/wp-content/plugins/example/example.php on line %d\n",
				t.Format("Mon Jan 02 15:04:05.000000 2006"), 1200+i%40, 139900000+i, i%250+1, 40000+i%20000, webRoot, 10+i%300)
		case l.Family == "db" && !bitnami:
			fmt.Fprintf(&b, "%s %d [Warning] Aborted connection %d to db: 'wordpress' user: 'wordpress' host: 'localhost' (Got an error reading communication packets)\n",
				t.Format("2006-01-02 15:04:05"), 8+i%4, 1000+i)
		case l.Family == "db":
			fmt.Fprintf(&b, "%s %d [Note] [MY-010914] [Server] Aborted connection %d to db: 'bitnami_wordpress' user: 'bn_wordpress' host: 'localhost' (Got an error reading communication packets).\n",
				t.Format("2006-01-02T15:04:05.000000Z"), 8+i%4, 1000+i)
		default:
			fmt.Fprintf(&b, "[%s] NOTICE: [pool www] child %d started\n", t.Format("02-Jan-2006 15:04:05"), 2000+i)
		}
	}
	out := b.Bytes()[:n]
	if n > 0 {
		out[n-1] = '\n'
	}
	return out
}
