// BEGIN hardsail https
// TLS ends at the Lightsail load balancer; trust its X-Forwarded-Proto so WordPress builds https:// links.
if ( isset( $_SERVER['HTTP_X_FORWARDED_PROTO'] ) && 'https' === $_SERVER['HTTP_X_FORWARDED_PROTO'] ) {
	$_SERVER['HTTPS'] = 'on';
}
// END hardsail https
