<?php
/*
 * Debian's /etc/wordpress/wp-config.php loads this file for any host name.
 * The database is found like the official wordpress image does:
 *  - host: a legacy link named mysql (--link db:mysql), else WORDPRESS_DB_HOST
 *    (host or host:port), else the name "mysql" (a container on the same network);
 *  - user: WORDPRESS_DB_USER, default root; password: WORDPRESS_DB_PASSWORD, and for
 *    root by default the linked container's MYSQL_ROOT_PASSWORD (MYSQL_ENV_*);
 *  - database: WORDPRESS_DB_NAME, default wordpress (created at start if missing).
 */
function cookbook_env(string $name, string $default = ''): string
{
    $value = getenv($name);
    return ($value === false || $value === '') ? $default : $value;
}

define('DB_HOST', cookbook_env('MYSQL_PORT_3306_TCP_ADDR', cookbook_env('WORDPRESS_DB_HOST', 'mysql')));
define('DB_USER', cookbook_env('WORDPRESS_DB_USER', 'root'));
define('DB_PASSWORD', cookbook_env('WORDPRESS_DB_PASSWORD', DB_USER === 'root'
    ? cookbook_env('MYSQL_ENV_MYSQL_ROOT_PASSWORD', cookbook_env('MYSQL_ENV_MARIADB_ROOT_PASSWORD'))
    : ''));
define('DB_NAME', cookbook_env('WORDPRESS_DB_NAME', 'wordpress'));
$table_prefix = cookbook_env('WORDPRESS_TABLE_PREFIX', 'wp_');
define('WP_DEBUG', cookbook_env('WORDPRESS_DEBUG') !== '');

// Offline: no calls to wordpress.org (updates, news, translations), no self-updates.
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
