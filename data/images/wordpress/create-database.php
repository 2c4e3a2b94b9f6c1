<?php
/*
 * Wait for the database server (up to WORDPRESS_DB_WAIT seconds, default 60) and
 * create the database if it is missing, as the official image once did: the book
 * starts WordPress with only MYSQL_ROOT_PASSWORD set on the database container.
 * Exit 1 when the server cannot be reached; the entrypoint then starts Apache anyway.
 */
require '/etc/wordpress/config-default.php';
mysqli_report(MYSQLI_REPORT_OFF);

[$host, $port] = array_pad(explode(':', DB_HOST, 2), 2, '3306');
$deadline = time() + (int) cookbook_env('WORDPRESS_DB_WAIT', '60');
while (true) {
    $db = @new mysqli($host, DB_USER, DB_PASSWORD, '', (int) $port);
    if (!$db->connect_errno) {
        break;
    }
    if (time() >= $deadline) {
        fwrite(STDERR, "entrypoint: cannot reach the database at " . DB_HOST . ": $db->connect_error\n");
        exit(1);
    }
    sleep(1);
}
$name = str_replace('`', '``', DB_NAME);
if (!$db->query("CREATE DATABASE IF NOT EXISTS `$name`")) {
    fwrite(STDERR, "entrypoint: cannot create the database " . DB_NAME . ": $db->error\n");
    exit(1);
}
fwrite(STDERR, "entrypoint: database " . DB_NAME . " on " . DB_HOST . " is there\n");
