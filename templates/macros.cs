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
</ol><?cs /def ?>