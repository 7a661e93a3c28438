<?php
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
