<?cs # macros.cs — the macros every page may call; header.cs includes it, so a
       page has them once it has included header.cs.  It brings urls.cs too.
       No text outside the tags, not even a final newline: every byte of this
       file outside them would reach the top of each page. ?><?cs
include:"urls.cs" ?><?cs

# The hidden field that carries the CSRF token; every POST form has one.
  csrf_field() is the signed-in session's token (Csrf.token); the sign-in form,
  which comes before any session, gives its own: csrf_field_with(Login.csrf). ?><?cs
def:csrf_field_with(token) ?><input type="hidden" name="csrf" value="<?cs var:token ?>"><?cs /def ?><?cs
def:csrf_field() ?><?cs call:csrf_field_with(Csrf.token) ?><?cs /def ?><?cs

# A text of the language files with its "{name}" replaced by value, the first
  one (a text without it comes out unchanged):
  call:fill(Lang.mail.team_disconnected.text, "address", Mail.address).  Both
  parts are escaped as any var: is, so HTML pages may use it too. ?><?cs
def:fill(text, name, value) ?><?cs
  if:string.find(text, "{" + name + "}") < #0 ?><?cs var:text ?><?cs
  else ?><?cs var:string.slice(text, #0, string.find(text, "{" + name + "}")) ?><?cs
    var:value ?><?cs
    var:string.slice(text, string.find(text, "{" + name + "}") + string.length(name) + #2, string.length(text)) ?><?cs
  /if ?><?cs /def ?><?cs

# The steps left to do by hand at provider (a key of Lang.progress.steps:
  "google", "microsoft", "outlook"), numbered, with their links, for address. ?><?cs
def:manual_steps(provider, address) ?><ol class="steps-list"><?cs
  each:s = Lang.progress.steps[provider] ?>
  <li><?cs call:fill(s.text, "address", address) ?><?cs if:s.url ?> <a href="<?cs var:s.url ?>" rel="noopener noreferrer"><?cs var:string.slice(s.url, #8, string.length(s.url)) ?></a><?cs /if ?></li><?cs
  /each ?>
</ol><?cs /def ?><?cs

# Who rule 6 tells when a team email goes (Confirm.told, Confirm.told_count), under
  a heading of the given level: the channel delete and the deactivate confirmations. ?><?cs
def:who_is_told(heading) ?><div class="who-is-told">
  <<?cs var:heading ?>><?cs var:Lang.channel.told_title ?></<?cs var:heading ?>>
  <p><?cs var:Lang.channel.told ?></p>
  <?cs if:Confirm.told_count != "0" ?>
  <ul class="told">
  <?cs each:p = Confirm.told ?><li><?cs var:p.name ?><?cs if:p.name != p.email ?> <small>(<?cs var:p.email ?>)</small><?cs /if ?></li><?cs /each ?>
  </ul>
  <?cs else ?>
  <p><?cs var:Lang.channel.told_nobody ?></p>
  <?cs /if ?>
</div><?cs /def ?>