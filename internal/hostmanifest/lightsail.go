package hostmanifest

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// The blueprint flavours a manifest exists for.
const (
	Bitnami   = "bitnami"   // "WordPress packaged by Bitnami": /opt/bitnami, SSH user bitnami
	Lightsail = "lightsail" // "WordPress packaged by Lightsail": Debian's Apache, /var/www/html, SSH user admin
)

// Flavours lists every flavour For knows, the default (Bitnami, today's tests) first.
var Flavours = []string{Bitnami, Lightsail}

// Dir is a directory whose mode and owner are part of a layout.
type Dir struct {
	Path    string
	Mode    fs.FileMode // permission bits, plus fs.ModeSetgid where the layout has it
	UID     int
	GID     int
	ModTime time.Time
}

// Symlink is a symbolic link of a layout (owned by root).
type Symlink struct {
	Path   string
	Target string
}

// Manifest is one flavour's tree as a fresh instance has it.
type Manifest struct {
	Flavour  string
	User     string // the SSH login (passwordless sudo), as GetInstanceAccessDetails reports it
	UID, GID int    // of User
	Hostname string
	Logs     []LogFile // every log file in the layout's log directories, sorted by path
	Files    []File    // every other file the layout is known by, Body set
	Dirs     []Dir     // directories whose attributes matter, parents before children (Bitnami: none, all 0755)
	Symlinks []Symlink
	Users    map[int]string // uid → name of every owner in the tree
	Groups   map[int]string // gid → name of every group in the tree
}

// For returns flavour's manifest ("" is Bitnami); the slices are fresh copies.
func For(flavour string) (Manifest, error) {
	switch flavour {
	case "", Bitnami:
		w := WPConfig
		w.Body = WPConfigPHP
		return Manifest{
			Flavour: Bitnami, User: "bitnami", UID: BitnamiUID, GID: BitnamiGID, Hostname: Hostname,
			Logs:   LogsFor(DBMySQL),
			Files:  append([]File{w, BitnamiAppPassword, BitnamiComponents}, WordPressCore("/opt/bitnami/wordpress", BitnamiUID, DaemonGID)...),
			Users:  map[int]string{0: "root", BitnamiUID: "bitnami", MySQLUID: "mysql"},
			Groups: map[int]string{0: "root", BitnamiGID: "bitnami", DaemonGID: "daemon", MySQLGID: "mysql"},
		}, nil
	case Lightsail:
		return Manifest{
			Flavour: Lightsail, User: LightsailUser, UID: AdminUID, GID: AdminGID, Hostname: Hostname,
			Logs:     append([]LogFile(nil), LightsailLogs...),
			Files:    lightsailFiles(),
			Dirs:     lightsailDirsAll(),
			Symlinks: []Symlink{{Path: "/etc/apache2/sites-enabled/000-default.conf", Target: "../sites-available/000-default.conf"}},
			Users:    map[int]string{0: "root", AdminUID: "admin", WWWDataUID: "www-data", DebianMySQLUID: "mysql"},
			Groups:   map[int]string{0: "root", AdminGID: "admin", AdmGID: "adm", WWWDataGID: "www-data", DebianMySQLGID: "mysql"},
		}, nil
	default:
		return Manifest{}, fmt.Errorf("unknown blueprint flavour %q (want %q or %q)", flavour, Bitnami, Lightsail)
	}
}

// Numeric ids on the Lightsail-packaged layout. admin is the image's first user; www-data and adm are
// Debian's static ids (base-passwd); mysql is the system user MariaDB's package would create, fixed here.
const (
	AdminUID       = 1000
	AdminGID       = 1000
	WWWDataUID     = 33
	WWWDataGID     = 33
	AdmGID         = 4
	DebianMySQLUID = 120
	DebianMySQLGID = 120
)

// Paths of the Lightsail-packaged layout.
const (
	LightsailUser        = "admin"
	LightsailWebRoot     = "/var/www/html"
	LightsailWPConfig    = LightsailWebRoot + "/wp-config.php"
	LightsailAWSDir      = "/opt/aws/wordpress"
	LightsailCredentials = LightsailAWSDir + "/credentials.log"
	LightsailAppCreds    = "/home/admin/application_credentials"
	ApacheLogDir         = "/var/log/apache2"
	MySQLLogDir          = "/var/log/mysql"
)

// installedAt is when the Lightsail image's installer ran (files' mtimes).
var installedAt = time.Date(2025, time.March, 12, 9, 41, 3, 0, time.UTC)

// rotatedDaily is the mtime of the n-th rotated copy under Debian's daily logrotate: the last
// write before the rotation at midnight n days before Now's day.
func rotatedDaily(n int) time.Time {
	midnight := time.Date(Now.Year(), Now.Month(), Now.Day(), 0, 0, 0, 0, time.UTC)
	return midnight.AddDate(0, 0, 1-n).Add(-19 * time.Second)
}

// LightsailLogs is the log part of the Lightsail-packaged tree, sorted by path: Debian's
// logrotate layout (NAME.1 plain, NAME.N.gz compressed from 2 on, delaycompress) with more
// rotated copies per family than "keep the newest 3" keeps.
var LightsailLogs = []LogFile{
	{Path: ApacheLogDir + "/access.log", ModTime: ago(3 * time.Minute), Size: 48213, Live: true, Family: "apache-access", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/access.log.1", ModTime: rotatedDaily(1), Size: 65536, Family: "apache-access", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/access.log.2.gz", ModTime: rotatedDaily(2), Size: 9216, Family: "apache-access", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/access.log.3.gz", ModTime: rotatedDaily(3), Size: 8704, Family: "apache-access", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/access.log.4.gz", ModTime: rotatedDaily(4), Size: 8192, Family: "apache-access", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/access.log.5.gz", ModTime: rotatedDaily(5), Size: 7680, Family: "apache-access", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/access.log.6.gz", ModTime: rotatedDaily(6), Size: 7168, Family: "apache-access", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/error.log", ModTime: ago(17 * time.Minute), Size: 7311, Live: true, Family: "apache-error", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/error.log.1", ModTime: rotatedDaily(1), Size: 4096, Family: "apache-error", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/error.log.2.gz", ModTime: rotatedDaily(2), Size: 1536, Family: "apache-error", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/error.log.3.gz", ModTime: rotatedDaily(3), Size: 1280, Family: "apache-error", Mode: 0o640, GID: AdmGID},
	{Path: ApacheLogDir + "/error.log.4.gz", ModTime: rotatedDaily(4), Size: 1024, Family: "apache-error", Mode: 0o640, GID: AdmGID},
	// Debian's apache2 postinst creates it; nothing writes it while the site has one virtual host.
	{Path: ApacheLogDir + "/other_vhosts_access.log", ModTime: installedAt, Size: 0, Live: true, Family: "apache-other-vhosts", Mode: 0o640, GID: AdmGID},
	{Path: MySQLLogDir + "/error.log", ModTime: ago(42 * time.Minute), Size: 12877, Live: true, Family: "db", Mode: 0o640, UID: DebianMySQLUID, GID: AdmGID},
	{Path: MySQLLogDir + "/error.log.1", ModTime: rotatedDaily(1), Size: 16384, Family: "db", Mode: 0o640, UID: DebianMySQLUID, GID: AdmGID},
	{Path: MySQLLogDir + "/error.log.2.gz", ModTime: rotatedDaily(2), Size: 4608, Family: "db", Mode: 0o640, UID: DebianMySQLUID, GID: AdmGID},
	{Path: MySQLLogDir + "/error.log.3.gz", ModTime: rotatedDaily(3), Size: 4096, Family: "db", Mode: 0o640, UID: DebianMySQLUID, GID: AdmGID},
	{Path: MySQLLogDir + "/error.log.4.gz", ModTime: rotatedDaily(4), Size: 3584, Family: "db", Mode: 0o640, UID: DebianMySQLUID, GID: AdmGID},
}

// lightsailDirs are Debian's modes for its log and web directories; the rest is the installer's
// choice (UNVERIFIED on a real instance): WordPress's tree belongs to www-data so it can update itself.
var lightsailDirs = []Dir{
	{Path: "/etc/apache2", Mode: 0o755, ModTime: installedAt},
	{Path: "/etc/apache2/conf-available", Mode: 0o755, ModTime: installedAt},
	{Path: "/etc/apache2/sites-available", Mode: 0o755, ModTime: installedAt},
	{Path: "/etc/apache2/sites-enabled", Mode: 0o755, ModTime: installedAt},
	{Path: "/home/admin", Mode: 0o755, UID: AdminUID, GID: AdminGID, ModTime: installedAt},
	{Path: "/opt/aws", Mode: 0o755, ModTime: installedAt},
	{Path: LightsailAWSDir, Mode: 0o755, ModTime: installedAt},
	{Path: ApacheLogDir, Mode: 0o750, GID: AdmGID, ModTime: Now.Add(-3 * time.Minute)},
	{Path: MySQLLogDir, Mode: fs.ModeSetgid | 0o750, UID: DebianMySQLUID, GID: AdmGID, ModTime: rotatedDaily(1)},
	{Path: "/var/www", Mode: 0o755, ModTime: installedAt},
	{Path: LightsailWebRoot, Mode: 0o755, UID: WWWDataUID, GID: WWWDataGID, ModTime: installedAt},
	{Path: LightsailWebRoot + "/wp-content", Mode: 0o755, UID: WWWDataUID, GID: WWWDataGID, ModTime: installedAt},
	{Path: LightsailWebRoot + "/wp-content/plugins", Mode: 0o755, UID: WWWDataUID, GID: WWWDataGID, ModTime: installedAt},
	{Path: LightsailWebRoot + "/wp-content/themes", Mode: 0o755, UID: WWWDataUID, GID: WWWDataGID, ModTime: installedAt},
	{Path: LightsailWebRoot + "/wp-content/uploads", Mode: 0o755, UID: WWWDataUID, GID: WWWDataGID, ModTime: installedAt},
}

// lightsailFiles are the layout's files. wp-config.php is root:www-data 0640: Apache's PHP reads
// it, nothing running as www-data can rewrite it (a choice; UNVERIFIED on a real instance).
// credentials.log is root:root 0600 as the brief of issue 13 states it (UNVERIFIED: with that mode
// the shell_exec in wp-config.php, running as www-data, could not read it on a real host).
func lightsailFiles() []File {
	f := func(p, body string, mode fs.FileMode, uid, gid int) File {
		return File{Path: p, ModTime: installedAt, Size: int64(len(body)), Mode: mode, UID: uid, GID: gid, Body: body}
	}
	www := func(p, body string) File { return f(p, body, 0o644, WWWDataUID, WWWDataGID) }
	return append([]File{
		f("/etc/apache2/apache2.conf", apache2Conf, 0o644, 0, 0),
		f("/etc/apache2/ports.conf", "Listen 80\n\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n\n<IfModule mod_gnutls.c>\n\tListen 443\n</IfModule>\n", 0o644, 0, 0),
		f("/etc/apache2/sites-available/000-default.conf", defaultSite, 0o644, 0, 0),
		f(LightsailAppCreds, "WordPress admin user name: user\nWordPress admin password: Qm4vT8zK2pLx\n", 0o600, AdminUID, AdminGID),
		f(LightsailAWSDir+"/LICENSE.txt", "Stand-in for the LICENSE.txt of Lightsail's WordPress installer (not reproduced).\n", 0o644, 0, 0),
		f(LightsailAWSDir+"/NOTICE.txt", "Stand-in for the NOTICE.txt of Lightsail's WordPress installer (not reproduced).\n", 0o644, 0, 0),
		f(LightsailCredentials, LightsailCredentialsLog, 0o600, 0, 0),
		f(LightsailAWSDir+"/install_wordpress.sh", "#!/bin/bash\n# Stand-in for Lightsail's WordPress installer (its content is not reproduced).\nexit 0\n", 0o755, 0, 0),
		www(LightsailWebRoot+"/.htaccess", "# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\nRewriteBase /\nRewriteRule ^index\\.php$ - [L]\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteCond %{REQUEST_FILENAME} !-d\nRewriteRule . /index.php [L]\n</IfModule>\n# END WordPress\n"),
		www(LightsailWebRoot+"/wp-content/index.php", "<?php\n// Silence is golden.\n"),
		f(LightsailWPConfig, LightsailWPConfigPHP, 0o640, 0, WWWDataGID),
	}, WordPressCore(LightsailWebRoot, WWWDataUID, WWWDataGID)...)
}

// lightsailDirsAll is lightsailDirs plus the WordPress core's directories (www-data's, like the web root).
func lightsailDirsAll() []Dir {
	out := append([]Dir(nil), lightsailDirs...)
	for _, d := range WordPressDirs(LightsailWebRoot) {
		if !slices.ContainsFunc(out, func(x Dir) bool { return x.Path == d }) {
			out = append(out, Dir{Path: d, Mode: 0o755, UID: WWWDataUID, GID: WWWDataGID, ModTime: installedAt})
		}
	}
	slices.SortFunc(out, func(a, b Dir) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// LightsailCredentialsLog is the DB password file; its last line is the password wp-config.php reads
// (the lines above it are a stand-in: the real file's format is UNVERIFIED).
const LightsailCredentialsLog = "WordPress database user: wordpress\nWordPress database password:\n9f2c4e1a7b3d5f8e0a6c2b4d8e1f3a5c\n"

// LightsailWPConfigPHP is the Lightsail-packaged wp-config.php: the DB password is read at run time
// from credentials.log (the line seen in a public hardening script for this layout).
const LightsailWPConfigPHP = `<?php
/**
 * The base configuration for WordPress
 *
 * @link https://wordpress.org/documentation/article/editing-wp-config-php/
 *
 * @package WordPress
 */

// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( 'DB_NAME', 'wordpress' );

/** Database username */
define( 'DB_USER', 'wordpress' );

/** Database password */
$db_password = shell_exec('tail -n 1 /opt/aws/wordpress/credentials.log');
define( 'DB_PASSWORD', trim( $db_password ) );

/** Database hostname */
define( 'DB_HOST', 'localhost' );

/** Database charset to use in creating database tables. */
define( 'DB_CHARSET', 'utf8mb4' );

/** The database collate type. Don't change this if in doubt. */
define( 'DB_COLLATE', '' );

/**#@+
 * Authentication unique keys and salts.
 */
define( 'AUTH_KEY',         'Vb5%Mc8^Ns4&Qh6(Pj)Ue-Oi=Ka_Xw?ZrJq1~x>z0Hn|d#Wk7p*Ly3!Rf9+Tg2@' );
define( 'SECURE_AUTH_KEY',  'Lf5;Ns1:Vh8<Qk2>Wp6,Dj4.Xr0/Zu~Ae!Io@Uy#Hs$Tg%Kb^PlGm7]Bt3{Yc9}' );
define( 'LOGGED_IN_KEY',    'Wi0-Xj3=Yk7_Zl1+Am5[Bn9]Co2{Dp6}Eq0;Fr4:Gs8<Ht3>Rt4&Sf8*Ug2(Vh6)' );
define( 'NONCE_KEY',        'Pa2!Qb6@Rc0#Sd4$Te8%Uf2^Vg6&Wh0*Xi4(Yj8)Zk2-Al6=Lw6,Mx0.Ny4/Oz8~' );
define( 'AUTH_SALT',        'It7;Ju1:Kv5<Lw9>Mx3,Ny7.Oz1/Pa5~Qb9!Rc3@Cn3_Do7+Ep1[Fq5]Gr9{Hs3}' );
define( 'SECURE_AUTH_SALT', 'Cn7_Do1+Ep5[Fq9]Gr3{Hs7}Sd7#Te1$Uf5%Vg9^Wh3&Xi7*Yj1(Zk5)Al9-Bm3=' );
define( 'LOGGED_IN_SALT',   'Pa9~Qb3!Rc7@Sd1#Te5$Uf9%Vg3^Wh7&Xi1*It1;Ju5:Kv9<Lw3>Mx7,Ny1.Oz5/' );
define( 'NONCE_SALT',       'Ep9[Fq3]Gr7{Hs1}It5;Ju9:Kv3<Lw7>Mx1,Ny5.Yj5(Zk9)Al3-Bm7=Cn1_Do5+' );

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

/* That's all, stop editing! Happy publishing. */

/** Absolute path to the WordPress directory. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

/** Sets up WordPress vars and included files. */
require_once ABSPATH . 'wp-settings.php';
`

// apache2Conf is Debian 12's /etc/apache2/apache2.conf without its comments.
const apache2Conf = `DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
HostnameLookups Off
ErrorLog ${APACHE_LOG_DIR}/error.log
LogLevel warn

IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf

Include ports.conf

<Directory />
	Options FollowSymLinks
	AllowOverride None
	Require all denied
</Directory>

<Directory /usr/share>
	AllowOverride None
	Require all granted
</Directory>

<Directory /var/www/>
	Options Indexes FollowSymLinks
	AllowOverride None
	Require all granted
</Directory>

AccessFileName .htaccess

<FilesMatch "^\.ht">
	Require all denied
</FilesMatch>

LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
LogFormat "%h %l %u %t \"%r\" %>s %O" common
LogFormat "%{Referer}i -> %U" referer
LogFormat "%{User-agent}i" agent

IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
`

// defaultSite is the WordPress virtual host: Debian's 000-default.conf with .htaccess allowed for permalinks.
const defaultSite = `<VirtualHost *:80>
	ServerAdmin webmaster@localhost
	DocumentRoot /var/www/html

	<Directory /var/www/html>
		AllowOverride All
	</Directory>

	ErrorLog ${APACHE_LOG_DIR}/error.log
	CustomLog ${APACHE_LOG_DIR}/access.log combined
</VirtualHost>
`
