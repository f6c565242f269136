<?php
// bench/php/email.php — Settings › General › Email as a PHP developer on shared
// hosting would write it, for bench/run to set beside the panel's own page
// (issue 12: "what a shared-hosting user would otherwise run").  The same work
// as inboxpanel-settings does for GET /settings/email:
//
//   - the session cookie's SHA-256 looked up with the panel's SQL (cgi/lib/sess.c),
//     the idle and absolute timeouts checked, activity recorded at most once a
//     minute in a write transaction of its own, the user read (cgi/lib/user.c);
//   - in one read transaction: the bell's unread count (cgi/lib/notify.c) and the
//     two listings of cgi/lib/conn.c (live inboxes, those removed in 30 days),
//     and a removed one's revocation progress (cgi/lib/progress.c);
//   - the HTML of templates/email.cs inside header.cs and footer.cs, every value
//     through htmlspecialchars, with the panel's security headers.
//
// English only (the words of templates/lang/en.hdf the page shows), the
// default Session timeouts (1800 s idle, 43200 s absolute), no base path.  Not
// covered: the flash message (no bench request carries one).  PDO with a
// persistent connection; php-fpm's opcache keeps the compiled script.
declare(strict_types=1);

const IDLE_TIMEOUT = 1800;
const ABSOLUTE_TIMEOUT = 43200;
const TOUCH_EVERY = 60; // min(idle / 30, 60), as sess.c
const RECENTLY_REMOVED = 30 * 86400;
const STATIC_URL = '/static';

const T = [
    'app.name' => 'inboxpanel',
    'nav.skip' => 'Skip to content',
    'nav.settings' => 'Settings',
    'nav.general' => 'General',
    'nav.email' => 'Email',
    'nav.admin' => 'Administration',
    'nav.audit' => 'Audit log',
    'nav.signed_in_as' => 'Signed in as',
    'nav.sign_out' => 'Sign out',
    'nav.other_language' => 'fr',
    'nav.other_language_name' => 'Français',
    'nav.switch_title' => 'Afficher le panneau en français',
    'inbox.menu_conversations' => 'Conversations',
    'inbox.menu_inbox' => 'Inbox',
    'admin_connections.menu' => 'All connections',
    'people.menu' => 'People',
    'notify.unread' => '{count} unread notifications',
    'notify.unread_one' => '1 unread notification',
    'notify.none_unread' => 'Notifications, none unread',
    'email.reconnect' => 'Reconnect',
    'email.title' => 'Email',
    'email.intro' => 'The inboxes connected to your account: the CRM logs, sends and tracks your email through them.',
    'email.connect' => 'Connect an inbox',
    'email.banner_title' => 'An inbox needs reconnecting.',
    'email.banner_text' => "Its provider no longer accepts the panel's access, so nothing is synced or sent through it.",
    'email.empty_title' => 'No inbox is connected yet',
    'email.empty_text' => 'Connect your inbox so the CRM can log the emails you send and receive, send from your own address, and track replies.',
    'email.table_caption' => 'Your connected inboxes',
    'email.col_inbox' => 'Inbox',
    'email.col_state' => 'State',
    'email.col_since' => 'Connected since',
    'email.col_error' => 'Last error',
    'email.col_actions' => 'Actions',
    'email.disabled_note' => 'Nothing is synced or sent.',
    'email.enable' => 'Enable',
    'email.disable' => 'Disable',
    'email.remove' => 'Remove',
    'email.removed_title' => 'Recently removed',
    'email.removed_on' => 'Removed',
    'email.steps_summary' => 'What you still need to do',
    'state.connected' => 'Connected',
    'state.disabled' => 'Disabled',
    'state.disconnected' => 'Disconnected',
    'state.removed' => 'Removed',
    'state.removing' => 'Removing',
    'provider.google' => 'Gmail',
    'provider.microsoft' => 'Office 365',
    'provider.outlook' => 'Outlook.com',
    'provider.imap' => 'IMAP',
    'company.google' => 'Google',
    'company.microsoft' => 'Microsoft',
    'company.outlook' => 'Microsoft',
    'company.imap' => 'the IMAP server',
    'conn_error.provider_changed' => 'You connected this address through another provider, so this inbox was disconnected.',
    'conn_error.token_rejected' => "{company} no longer accepts the panel's access: it was revoked, or has expired.",
    'conn_error.consent_removed' => 'The permission given to the panel was withdrawn at {company}.',
    'conn_error.login_failed' => 'The IMAP server refused the user name or password.',
    'conn_error.other' => "{company} refused the panel's access.",
    'revocation.pending' => 'Removing the panel\'s access at {company}…',
    'revocation.done' => 'Access removed at {company}.',
    'revocation.manual' => '{company} offers no way for the app to remove its access: follow the steps below.',
    'revocation.failed' => 'The app could not remove its access at {company}: follow the steps below.',
    'revocation_reason.denied' => 'Your organisation does not let the app remove its own access.',
    'revocation_reason.refused' => '{company} refused the request.',
    'revocation_reason.gave_up' => '{company} did not answer after several tries.',
    'revocation_reason.unreadable' => 'The stored access could not be read.',
    'revocation_reason.no_account_ids' => 'The app does not know which account to remove it from.',
    'revocation_reason.not_configured' => 'The app is not set up to reach {company}.',
    'progress.time_pattern' => '{date}, {time} UTC',
    'progress.started' => 'Started',
    'progress.attempts' => 'Tries so far',
    'progress.next' => 'Next try',
    'progress.next_soon' => 'Any moment now',
    'progress.note_reconnect' => 'Reconnect needed',
    'progress.note_moved' => 'Moved to another provider',
    'progress.banner_go' => 'Go to its row:',
    'progress.imap' => 'Nothing to do: there is nothing to revoke at an IMAP server. If you share this password elsewhere, change it, or ask your IT department.',
    'progress.done_button' => 'Done: I removed the access',
    'progress.done_hint' => 'Select Done once the app no longer appears there; this card then stops asking.',
    'progress.done_by' => '{who} did these steps on {date}.',
    'progress.done_on' => 'These steps were done on {date}.',
    'date.pattern' => '{month} {day}, {year}',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const STEPS = [
    'google' => [
        ['Open Third-party apps with account access, signed in at Google as {address}:', 'https://myaccount.google.com/permissions'],
        ['Select the app in the list.', ''],
        ['Select Remove access, then confirm.', ''],
    ],
    'microsoft' => [
        ['Open My Apps, signed in at Microsoft as {address}:', 'https://myapps.microsoft.com'],
        ['On the app’s tile, open its menu (…) and select Manage your application.', ''],
        ['Select Revoke permissions, then confirm.', ''],
    ],
    'outlook' => [
        ['Open Apps and services that can access your data, signed in at Microsoft as {address}:', 'https://account.live.com/consent/Manage'],
        ['Find the app and select Edit.', ''],
        ['Select Remove these permissions, then confirm.', ''],
    ],
];

function h(string $s): string
{
    return htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

// The words of key with their {name}s filled in.
function words(string $key, array $with = []): string
{
    $text = T[$key] ?? '';
    if (!$with) {
        return $text;
    }
    $pairs = [];
    foreach ($with as $name => $value) {
        $pairs['{' . $name . '}'] = $value;
    }
    return strtr($text, $pairs);
}

function date_text(int $t): string
{
    static $memo = [];
    $day = intdiv($t, 86400);
    return $memo[$day] ??= strtr(T['date.pattern'], [
        '{month}' => MONTHS[(int)gmdate('n', $t) - 1],
        '{day}' => gmdate('j', $t),
        '{year}' => gmdate('Y', $t),
    ]);
}

function moment(int $t): array
{
    return ['iso' => gmdate('Y-m-d\TH:i:s\Z', $t),
            'text' => words('progress.time_pattern', ['date' => date_text($t), 'time' => gmdate('H:i', $t)])];
}

function fail(int $status, string $text): never
{
    http_response_code($status);
    header('Content-Type: text/plain; charset=utf-8');
    echo $text, "\n";
    exit;
}

function db(): PDO
{
    static $db;
    if ($db === null) {
        $db = new PDO('sqlite:' . getenv('INBOXPANEL_DB'), null, null, [
            PDO::ATTR_PERSISTENT => true,
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
            PDO::ATTR_TIMEOUT => 5, // the panel's busy timeout, 5,000 ms
        ]);
    }
    return $db;
}

// The signed-in session and its user, as sess_resume: null when there is none.
// Called inside the page's read transaction; when the session's activity is due
// to be recorded (or an expired one to go), that write ends it and a new one
// starts after, as a write cannot begin inside a read snapshot.
function resume_session(PDO $db, int $now): ?array
{
    $cookie = $_COOKIE['ip_session'] ?? '';
    if (strlen($cookie) !== 43 || strspn($cookie, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') !== 43) {
        return null;
    }
    $find = $db->prepare('SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at '
        . 'FROM sessions s JOIN users u ON u.id = s.user_id '
        . 'WHERE s.token_hash = ?1 AND u.deactivated = 0');
    $find->bindValue(1, hash('sha256', $cookie, true), PDO::PARAM_LOB);
    $find->execute();
    $session = $find->fetch();
    $find->closeCursor();
    if ($session === false) {
        return null;
    }
    $dead = $now - $session['last_seen_at'] > IDLE_TIMEOUT || $now - $session['created_at'] > ABSOLUTE_TIMEOUT;
    if (!$dead) {
        $get = $db->prepare('SELECT id, email, name, role, account_access, language, deactivated, created_at, password_hash '
            . 'FROM users WHERE id = ?1');
        $get->execute([$session['user_id']]);
        $user = $get->fetch();
        $get->closeCursor();
        if ($user === false || $user['deactivated']) {
            return null;
        }
        if ($now - $session['last_seen_at'] < TOUCH_EVERY) {
            return [$session, $user];
        }
    }
    // The bookkeeping write, in a transaction of its own; failing it only
    // delays the idle timeout.
    $db->commit();
    $writing = false;
    try {
        $db->exec('BEGIN IMMEDIATE');
        $writing = true;
        if ($dead) {
            $db->prepare('DELETE FROM sessions WHERE id = ?1')->execute([$session['id']]);
        } else {
            $db->prepare('UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1')->execute([$session['id'], $now]);
        }
        $db->exec('COMMIT');
    } catch (PDOException $e) {
        if ($writing) {
            $db->exec('ROLLBACK');
        }
        error_log('could not record the activity of session ' . $session['id']);
    }
    $db->beginTransaction();
    return $dead ? null : [$session, $user];
}

$now = time();
$columns = 'SELECT c.id, c.kind, c.owner_user_id, c.inbox_id, c.provider, c.address, c.state, '
    . 'c.connected_at, c.state_changed_at, c.last_error, c.last_error_code, j.state AS revocation, '
    . 'j.last_error AS revocation_reason, j.last_error_code AS revocation_code, c.connected_by_user_id '
    . 'FROM email_connections c LEFT JOIN outbox_jobs j ON j.connection_id = c.id AND j.kind = \'revoke\' '
    . 'WHERE c.kind = \'personal\' AND c.owner_user_id = ?1 AND c.refused_reconnect_of IS NULL ';
try {
    $db = db();
    $db->beginTransaction(); // one snapshot for the page's reads, as the panel's GET
    $signed_in = resume_session($db, $now);
    if ($signed_in === null) {
        $db->rollBack();
        header('Location: /login?next=%2Fsettings%2Femail', true, 303);
        exit;
    }
    [$session, $user] = $signed_in;
    $q = $db->prepare('SELECT count(*) FROM notifications WHERE user_id = ?1 AND read_at = 0');
    $q->execute([$user['id']]);
    $unread = (int)$q->fetchColumn();
    $q->closeCursor();
    $q = $db->prepare($columns . 'AND c.state <> \'removed\' '
        . 'ORDER BY CASE c.state WHEN \'disconnected\' THEN 0 WHEN \'connected\' THEN 1 ELSE 2 END, c.address, c.id');
    $q->execute([$user['id']]);
    $live = $q->fetchAll();
    $q = $db->prepare($columns . 'AND c.state = \'removed\' AND c.state_changed_at >= ?2 '
        . 'ORDER BY c.state_changed_at DESC, c.id DESC');
    $q->execute([$user['id'], $now - RECENTLY_REMOVED]);
    $removed = $q->fetchAll();
    if ($removed) {
        $progress = $db->prepare('SELECT state, created_at, attempts, next_attempt_at, updated_at, manual_done_at, '
            . 'manual_done_by FROM outbox_jobs WHERE connection_id = ?1 AND kind = \'revoke\'');
        $who = $db->prepare('SELECT name, email FROM users WHERE id = ?1');
        foreach ($removed as &$r) {
            if ($r['revocation'] === null) {
                continue;
            }
            $progress->execute([$r['id']]);
            $r['progress'] = $progress->fetch();
            $progress->closeCursor();
            // Who said the steps by hand were done, when someone did.
            if ($r['progress'] && $r['progress']['manual_done_by'] > 0) {
                $who->execute([$r['progress']['manual_done_by']]);
                $r['done_by'] = $who->fetch();
                $who->closeCursor();
            }
        }
        unset($r);
    }
    $db->commit();
} catch (PDOException $e) {
    if (isset($db) && $db->inTransaction()) {
        $db->rollBack();
    }
    error_log('/settings/email: ' . $e->getMessage());
    fail(503, '503 Service Unavailable');
}

$oauth = ['google' => true, 'microsoft' => true, 'outlook' => true, 'imap' => false];
$attention = [];
foreach ($live as &$r) {
    $with = ['address' => $r['address'], 'provider' => T['provider.' . $r['provider']], 'company' => T['company.' . $r['provider']]];
    $r['provider_label'] = $with['provider'];
    $r['since'] = date_text((int)$r['connected_at']);
    $r['error_text'] = $r['last_error'] === '' ? ''
        : words(isset(T['conn_error.' . $r['last_error']]) ? 'conn_error.' . $r['last_error'] : 'conn_error.other', $with);
    $r['can_reconnect'] = $r['state'] === 'disconnected' && $oauth[$r['provider']] && $r['last_error'] !== 'provider_changed';
    if ($r['state'] === 'disconnected') {
        if ($r['last_error'] !== 'provider_changed') {
            $attention[] = $r;
        }
        $r['state_note'] = words($r['can_reconnect'] ? 'progress.note_reconnect' : 'progress.note_moved', $with);
    }
}
unset($r);

$csrf = h($session['csrf_token']);
$csrf_field = '<input type="hidden" name="csrf" value="' . $csrf . '">';
$display = $user['name'] !== '' && $user['name'] !== null ? $user['name'] : $user['email'];
$super_admin = $user['role'] === 'super_admin';
$unread_label = $unread === 0 ? words('notify.none_unread')
    : ($unread === 1 ? words('notify.unread_one') : words('notify.unread', ['count' => (string)$unread]));

header('Content-Type: text/html; charset=utf-8');
header("Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    . "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
header('X-Content-Type-Options: nosniff');
header('Referrer-Policy: same-origin');
header('X-Frame-Options: DENY');
header('Cross-Origin-Opener-Policy: same-origin');
header('Cache-Control: no-store');
?><!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?= h(T['email.title']) ?> · <?= h(T['app.name']) ?></title>
<link rel="stylesheet" href="<?= STATIC_URL ?>/style.css">
<link rel="icon" href="<?= STATIC_URL ?>/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip-link" href="#main"><?= h(T['nav.skip']) ?></a>
<header class="topbar">
  <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span><?= h(T['app.name']) ?></a>

  <div class="usermenu">
    <a class="bell<?= $unread ? ' has-unread' : '' ?>" href="/notifications"><svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg><?php if ($unread): ?><span class="bell-count" aria-hidden="true"><?= $unread ?></span><?php endif ?><span class="visually-hidden"><?= h($unread_label) ?></span></a>
    <form method="post" action="/settings/language" class="inline">
      <?= $csrf_field ?>

      <input type="hidden" name="next" value="/settings/email">
      <button type="submit" class="button quiet" name="language" value="<?= h(T['nav.other_language']) ?>" lang="<?= h(T['nav.other_language']) ?>" title="<?= h(T['nav.switch_title']) ?>"><?= h(T['nav.other_language_name']) ?></button>
    </form>
    <span class="who" title="<?= h($user['email']) ?>"><span class="visually-hidden"><?= h(T['nav.signed_in_as']) ?> </span><?= h($display) ?></span>
    <form method="post" action="/logout" class="inline">
      <?= $csrf_field ?>

      <button type="submit" class="button quiet"><?= h(T['nav.sign_out']) ?></button>
    </form>
  </div>

</header>
<div class="shell">

<nav class="sidemenu" aria-label="<?= h(T['nav.settings']) ?>">
  <p class="sidemenu-title"><?= h(T['nav.settings']) ?></p>
  <ul>
    <li><span class="sidemenu-group"><?= h(T['nav.general']) ?></span>
      <ul><li><a href="/settings/email" aria-current="page"><?= h(T['nav.email']) ?></a></li></ul>
    </li>
<?php if ($super_admin || $user['account_access']): ?>
    <li><span class="sidemenu-group"><?= h(T['inbox.menu_conversations']) ?></span>
      <ul><li><a href="/inbox"><?= h(T['inbox.menu_inbox']) ?></a></li></ul>
    </li>
<?php endif ?>
<?php if ($super_admin): ?>
    <li><span class="sidemenu-group"><?= h(T['nav.admin']) ?></span>
      <ul><li><a href="/admin/audit"><?= h(T['nav.audit']) ?></a></li>
        <li><a href="/admin/connections"><?= h(T['admin_connections.menu']) ?></a></li>
        <li><a href="/admin/users"><?= h(T['people.menu']) ?></a></li></ul>
    </li>
<?php endif ?>
  </ul>
</nav>

<main id="main" tabindex="-1">
<div class="flash-region" role="status"></div>

<div class="page-head with-action">
  <div>
    <p class="breadcrumb"><?= h(T['nav.settings']) ?> › <?= h(T['nav.general']) ?> › <?= h(T['nav.email']) ?></p>
    <h1><?= h(T['email.title']) ?></h1>
    <p class="lead"><?= h(T['email.intro']) ?></p>
  </div>
  <?php if ($live): ?><a class="button primary" href="/settings/email/connect"><?= h(T['email.connect']) ?></a><?php endif ?>

</div>

<?php if ($attention): ?>
<div class="banner warn" role="status">
  <span class="banner-icon" aria-hidden="true">⚠</span>
  <div>
    <p><strong><?= h(T['email.banner_title']) ?></strong> <?= h(T['email.banner_text']) ?></p>
    <p class="banner-links"><?= h(T['progress.banner_go']) ?> <?php foreach ($attention as $a): ?><a href="#conn-<?= (int)$a['id'] ?>"><?= h($a['address']) ?> (<?= h($a['provider_label']) ?>)</a> <?php endforeach ?></p>
  </div>
</div>
<?php endif ?>

<?php if (!$live): ?>
<section class="card empty-state" aria-labelledby="empty-title">
  <span class="empty-mark" aria-hidden="true"></span>
  <h2 id="empty-title"><?= h(T['email.empty_title']) ?></h2>
  <p><?= h(T['email.empty_text']) ?></p>
  <a class="button primary" href="/settings/email/connect"><?= h(T['email.connect']) ?></a>
</section>
<?php else: ?>
<table class="list inboxes">
  <caption class="visually-hidden"><?= h(T['email.table_caption']) ?></caption>
  <thead><tr>
    <th scope="col"><?= h(T['email.col_inbox']) ?></th>
    <th scope="col"><?= h(T['email.col_state']) ?></th>
    <th scope="col"><?= h(T['email.col_since']) ?></th>
    <th scope="col"><span class="visually-hidden"><?= h(T['email.col_actions']) ?></span></th>
  </tr></thead>
  <tbody>
<?php foreach ($live as $r):
    $id = (int)$r['id'];
    $state = h($r['state']);
    $address = h($r['address']); ?>
  <tr class="state-<?= $state ?>" id="conn-<?= $id ?>">
    <td class="inbox"><div class="inbox-cell">
      <span class="mark mark-<?= h($r['provider']) ?>" aria-hidden="true"></span>
      <span class="address"><?= $address ?></span>
      <span class="provider"><?= h($r['provider_label']) ?></span>
    </div>
    <?php if ($r['error_text'] !== ''): ?><p class="last-error"><span class="visually-hidden"><?= h(T['email.col_error']) ?> </span><?= h($r['error_text']) ?><?php if ($r['last_error_code'] !== ''): ?> <small class="code"><?= h($r['last_error_code']) ?></small><?php endif ?></p><?php endif ?></td>
    <td data-label="<?= h(T['email.col_state']) ?>"><span class="badge badge-<?= $state ?>"><?= h(T['state.' . $r['state']]) ?></span>
      <?php if ($r['state'] === 'disabled'): ?><span class="state-note"><?= h(T['email.disabled_note']) ?></span><?php endif ?><?php if (isset($r['state_note'])): ?><span class="state-note"><?= h($r['state_note']) ?></span><?php endif ?></td>
    <td data-label="<?= h(T['email.col_since']) ?>"><?= h($r['since']) ?></td>
    <td class="actions">
      <?php if ($r['can_reconnect']): ?><a class="button primary" href="/settings/email/<?= $id ?>/reconnect" aria-label="<?= h(T['email.reconnect']) ?> <?= $address ?>"><?= h(T['email.reconnect']) ?></a><?php endif ?>

<?php if ($r['state'] === 'disabled'): ?>
      <form method="post" action="/settings/email/<?= $id ?>/enable" class="inline">
        <?= $csrf_field ?>

        <button type="submit" class="button" aria-label="<?= h(T['email.enable']) ?> <?= $address ?>"><?= h(T['email.enable']) ?></button>
      </form>
<?php endif ?>
      <?php if ($r['state'] === 'connected'): ?><a class="button" href="/settings/email/<?= $id ?>/disable" data-confirm aria-label="<?= h(T['email.disable']) ?> <?= $address ?>"><?= h(T['email.disable']) ?></a><?php endif ?>

      <?php if ($r['state'] === 'disabled' || $r['state'] === 'disconnected'): ?><a class="button danger-outline" href="/settings/email/<?= $id ?>/remove" data-confirm aria-label="<?= h(T['email.remove']) ?> <?= $address ?>"><?= h(T['email.remove']) ?></a><?php endif ?>

    </td>
  </tr>
<?php endforeach ?>
  </tbody>
</table>
<?php endif ?>

<?php if ($removed): ?>
<section class="removed" aria-labelledby="removed-title">
  <h2 id="removed-title"><?= h(T['email.removed_title']) ?></h2>
  <ul class="removed-list">
<?php foreach ($removed as $r):
    $id = (int)$r['id'];
    $address = h($r['address']);
    $with = ['address' => $r['address'], 'provider' => T['provider.' . $r['provider']], 'company' => T['company.' . $r['provider']]];
    $job = $r['revocation'];
    $p = $r['progress'] ?? false;
    $pending = $job === 'pending';
    $by_hand = $job === 'manual' || $job === 'failed';
    $imap = $r['provider'] === 'imap';
    $steps = $by_hand && !$imap;
    $wants_done = $steps && $p && !$p['manual_done_at'];
    $badge = $pending ? 'removing' : 'removed'; ?>
    <li class="removed-item revocation-<?= h((string)$job) ?>" id="removed-<?= $id ?>"<?php if ($pending): ?> data-progress-url="/settings/email/<?= $id ?>/revocation"<?php endif ?>>
      <div class="removed-head">
        <span class="mark mark-<?= h($r['provider']) ?>" aria-hidden="true"></span>
        <span class="address"><?= $address ?></span>
        <span class="provider"><?= h($with['provider']) ?></span>
        <span class="badge badge-<?= $badge ?>" data-progress="badge"><?= h(T['state.' . $badge]) ?></span>
        <?php if (!$pending): ?><span class="when"><?= h(T['email.removed_on']) ?> <?= h(date_text((int)$r['state_changed_at'])) ?></span><?php endif ?>

      </div>
<?php if ($job !== null):
        $text = words($imap && $job === 'manual' ? 'progress.imap' : 'revocation.' . $job, $with);
        $reason = (string)$r['revocation_reason'];
        $code = (string)$r['revocation_code']; ?>
      <p class="revocation" data-progress="text"><?= h($text) ?><?php if ($reason !== '' && isset(T['revocation_reason.' . $reason])): ?> <?= h(words('revocation_reason.' . $reason, $with)) ?><?php endif ?><?php if ($code !== ''): ?> <small class="code"><?= h($code) ?></small><?php endif ?></p>
<?php endif ?>
<?php if ($pending && $p):
        $started = moment((int)$p['created_at']); ?>
      <dl class="progress">
        <div><dt><?= h(T['progress.started']) ?></dt><dd><time datetime="<?= $started['iso'] ?>" data-local><?= h($started['text']) ?></time></dd></div>
        <div><dt><?= h(T['progress.attempts']) ?></dt><dd data-progress="attempts"><?= (int)$p['attempts'] ?></dd></div>
        <div><dt><?= h(T['progress.next']) ?></dt><dd data-progress="next"><?php if ($p['next_attempt_at'] > $now): $next = moment((int)$p['next_attempt_at']); ?><time datetime="<?= $next['iso'] ?>" data-local><?= h($next['text']) ?></time><?php else: ?><?= h(T['progress.next_soon']) ?><?php endif ?></dd></div>
      </dl>
<?php endif ?>
<?php if ($steps):
        $done = '';
        if ($p && $p['manual_done_at']) {
            $on = date_text((int)$p['manual_done_at']);
            $done = words('progress.done_on', ['date' => $on]);
            if ($u = $r['done_by'] ?? false) {
                $done = words('progress.done_by', ['who' => $u['name'] !== '' ? $u['name'] : $u['email'], 'date' => $on]);
            }
        } ?>
      <details class="steps"<?= $done === '' ? ' open' : '' ?>>
        <summary><?= h(T['email.steps_summary']) ?></summary>
        <ol class="steps-list"><?php foreach (STEPS[$r['provider']] as [$step, $url]): ?>

  <li><?= h(strtr($step, ['{address}' => $r['address']])) ?><?php if ($url !== ''): ?> <a href="<?= h($url) ?>" rel="noopener noreferrer"><?= h(substr($url, 8)) ?></a><?php endif ?></li><?php endforeach ?>

</ol>
        <?php if ($done !== ''): ?><p class="done-note"><?= h($done) ?></p><?php endif ?>

<?php if ($wants_done): ?>
        <form method="post" action="/settings/email/<?= $id ?>/steps-done" class="steps-done">
          <?= $csrf_field ?>

          <p class="hint"><?= h(T['progress.done_hint']) ?></p>
          <button type="submit" class="button" aria-label="<?= h(T['progress.done_button']) ?> — <?= $address ?>"><?= h(T['progress.done_button']) ?></button>
        </form>
<?php endif ?>
      </details>
<?php endif ?>
    </li>
<?php endforeach ?>
  </ul>
</section>
<?php endif ?>
</main>
<script src="<?= STATIC_URL ?>/panel.js" defer></script>
</div>
</body>
</html>
