//! The AWS CLI config file (`~/.aws/config`), edited without disturbing it.
//!
//! The file is kept as a list of blocks of raw text: what comes before the
//! first section, then each section from its `[header]` to the next one
//! (trailing blank lines included). Rendering concatenates the raw text, so
//! a file that is parsed and rendered is the same bytes. Sections ssosetup
//! writes carry a marker comment as their first line; only those are
//! updated in place or removed. Everything else (comments, order, blank
//! lines, CRLF line endings, a missing final newline) stays as it was,
//! except that appending after a last line without a newline adds one.

/// Whether a key names a secret: its value is never shown.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["secret", "token", "password"]
        .iter()
        .any(|w| k.contains(w))
}

/// `text` as it may be shown to people: the value of every key that names
/// a secret (`aws_secret_access_key`, `aws_session_token`, anything with
/// secret, token or password in its name) replaced by `****`.
pub(crate) fn mask_secrets(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let body = line.trim_end_matches(['\n', '\r']);
            let end = &line[body.len()..];
            match body.split_once('=') {
                Some((key, _)) if is_secret_key(key.trim()) => {
                    format!("{} = ****{end}", key.trim_end())
                }
                _ => line.to_string(),
            }
        })
        .collect()
}

/// The comment that marks a section as written by ssosetup for an SSO session.
pub(crate) fn marker(session: &str) -> String {
    format!(
        "# managed by ssosetup (sso-session {session}): re-running ssosetup rewrites this section"
    )
}

const MARKER_PREFIX: &str = "# managed by ssosetup (sso-session ";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    /// The normalized section name (`profile dev`, `sso-session x`,
    /// `default`); `None` for the text before the first section.
    name: Option<String>,
    raw: String,
}

/// A section as ssosetup writes it. Built only through [`Section::new`],
/// which refuses anything that could change the file's structure: every
/// name and value comes from the config or from AWS (an account name), and
/// none may inject a section such as `[profile x]` with a
/// `credential_process` of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    /// `profile NAME`, `default` or `sso-session NAME`.
    name: String,
    entries: Vec<(String, String)>,
}

/// Why a name or value cannot go into an INI file as it is.
pub(crate) fn check_ini_value(value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!(
            "it contains the control character {:?} (a line break would start a new line of the file)",
            c
        ));
    }
    if value.trim_start().starts_with('[') {
        return Err("it starts with \"[\", which the file reads as a section header".into());
    }
    Ok(())
}

/// A section or profile name: an INI-safe value without brackets.
fn check_section_name(name: &str) -> Result<(), String> {
    check_ini_value(name)?;
    if name.trim().is_empty() {
        return Err("it is empty".into());
    }
    if name.contains(['[', ']']) {
        return Err("it contains a bracket, which ends the section header early".into());
    }
    Ok(())
}

impl Section {
    /// A section whose name and every key and value are safe to write.
    pub(crate) fn new(
        name: impl Into<String>,
        entries: Vec<(String, String)>,
    ) -> Result<Self, String> {
        let name = name.into();
        check_section_name(&name).map_err(|why| format!("section name {name:?}: {why}"))?;
        for (key, value) in &entries {
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(format!("key {key:?}: only lowercase letters and _"));
            }
            check_ini_value(value).map_err(|why| format!("{key} = {value:?}: {why}"))?;
        }
        Ok(Self { name, entries })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    #[cfg(test)]
    pub(crate) fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The header name for a profile: `default` stays `[default]`.
    pub(crate) fn profile_header(profile: &str) -> String {
        if profile == "default" {
            "default".to_string()
        } else {
            format!("profile {profile}")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigFile {
    blocks: Vec<Block>,
    newline: &'static str,
}

/// `[ profile  dev ]` -> `profile dev`.
fn header_name(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl ConfigFile {
    pub(crate) fn parse(text: &str) -> Self {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut blocks = vec![Block {
            name: None,
            raw: String::new(),
        }];
        for line in text.split_inclusive('\n') {
            if let Some(name) = header_name(line) {
                blocks.push(Block {
                    name: Some(name),
                    raw: String::new(),
                });
            }
            blocks
                .last_mut()
                .expect("one block at least")
                .raw
                .push_str(line);
        }
        Self { blocks, newline }
    }

    pub(crate) fn render(&self) -> String {
        self.blocks.iter().map(|b| b.raw.as_str()).collect()
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.blocks
            .iter()
            .position(|b| b.name.as_deref() == Some(name))
    }

    /// The raw text of section `name`, if the file has one.
    pub(crate) fn section_text(&self, name: &str) -> Option<&str> {
        self.find(name).map(|i| self.blocks[i].raw.as_str())
    }

    /// The SSO session whose marker section `name` carries, if ssosetup wrote it.
    pub(crate) fn managed_by(&self, name: &str) -> Option<String> {
        let raw = self.section_text(name)?;
        let second = raw.lines().nth(1)?.trim();
        second
            .strip_prefix(MARKER_PREFIX)
            .and_then(|rest| rest.split_once(')'))
            .map(|(session, _)| session.to_string())
    }

    /// Names of the sections ssosetup wrote for `session`.
    pub(crate) fn managed_sections(&self, session: &str) -> Vec<String> {
        self.blocks
            .iter()
            .filter_map(|b| b.name.clone())
            .filter(|n| self.managed_by(n).as_deref() == Some(session))
            .collect()
    }

    fn render_section(&self, section: &Section, session: &str) -> String {
        let nl = self.newline;
        let mut out = format!("[{}]{nl}{}{nl}", section.name, marker(session));
        for (k, v) in &section.entries {
            out.push_str(&format!("{k} = {v}{nl}"));
        }
        out
    }

    /// Writes `section` in place of a section of the same name (keeping the
    /// blank lines that followed it), or appends it after a blank line.
    pub(crate) fn put(&mut self, section: &Section, session: &str) {
        let text = self.render_section(section, session);
        match self.find(&section.name) {
            Some(i) => {
                let old = &self.blocks[i].raw;
                let body_len = old.trim_end_matches(['\n', '\r', ' ', '\t']).len();
                let mut tail = old[body_len..].to_string();
                // The old text's first line break belongs to its last line.
                if let Some(rest) = tail
                    .strip_prefix("\r\n")
                    .or_else(|| tail.strip_prefix('\n'))
                {
                    tail = rest.to_string();
                }
                self.blocks[i].raw = text + &tail;
            }
            None => {
                let nl = self.newline;
                let rendered = self.render();
                let last = self.blocks.last_mut().expect("one block at least");
                if !rendered.is_empty() {
                    // A blank line between the file's last section and ours,
                    // kept with the text before it.
                    if !rendered.ends_with('\n') {
                        last.raw.push_str(nl);
                        last.raw.push_str(nl);
                    } else if !(rendered.ends_with(&format!("{nl}{nl}")) || rendered == nl) {
                        last.raw.push_str(nl);
                    }
                }
                self.blocks.push(Block {
                    name: Some(section.name.clone()),
                    raw: text,
                });
            }
        }
    }

    /// The names of every section, in file order.
    pub(crate) fn section_names(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .filter_map(|b| b.name.as_deref())
            .collect()
    }

    /// The value of `key` in section `name`, as the AWS CLI reads it: a
    /// `key = value` line at the section's top level (indented lines are
    /// sub-settings), comments and blank lines skipped; the last one wins.
    pub(crate) fn value(&self, name: &str, key: &str) -> Option<String> {
        let raw = self.section_text(name)?;
        let mut found = None;
        for line in raw.lines().skip(1) {
            if line.starts_with([' ', '\t']) {
                continue;
            }
            let t = line.trim();
            if t.is_empty() || t.starts_with(['#', ';']) {
                continue;
            }
            if let Some((k, v)) = t.split_once('=') {
                if k.trim() == key {
                    found = Some(v.trim().to_string());
                }
            }
        }
        found
    }

    /// Removes section `name` and the blank lines that followed it.
    pub(crate) fn remove(&mut self, name: &str) {
        if let Some(i) = self.find(name) {
            self.blocks.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_the_aws_cli_reads_them() {
        let file = ConfigFile::parse(
            "[default]\nregion = eu-west-1\n[profile dev]\n# a comment\nsso_session = corp\nsso_account_id=111111111111\ns3 =\n  max_concurrent_requests = 20\nsso_role_name = Admin\n[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\n",
        );
        assert_eq!(
            file.section_names(),
            ["default", "profile dev", "sso-session corp"]
        );
        assert_eq!(
            file.value("profile dev", "sso_session").as_deref(),
            Some("corp")
        );
        assert_eq!(
            file.value("profile dev", "sso_account_id").as_deref(),
            Some("111111111111")
        );
        assert_eq!(
            file.value("profile dev", "sso_role_name").as_deref(),
            Some("Admin")
        );
        assert_eq!(
            file.value("profile dev", "max_concurrent_requests"),
            None,
            "a sub-setting"
        );
        assert_eq!(file.value("profile dev", "region"), None);
        assert_eq!(file.value("profile nope", "region"), None);
    }

    fn profile(name: &str, account: &str) -> Section {
        Section::new(
            Section::profile_header(name),
            vec![
                ("sso_session".into(), "personal".into()),
                ("sso_account_id".into(), account.into()),
                ("sso_role_name".into(), "AdministratorAccess".into()),
            ],
        )
        .unwrap()
    }

    #[test]
    fn secrets_are_masked_wherever_the_file_is_shown() {
        let text = "[profile work]\r\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\naws_session_token=IQoJb3JpZ2luX2Vj\n  sso_password = hunter2\nregion = us-east-1";
        let masked = mask_secrets(text);
        for secret in ["wJalrXUtnFEMI", "IQoJb3JpZ2luX2Vj", "hunter2"] {
            assert!(!masked.contains(secret), "{masked}");
        }
        assert!(masked.contains("aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = ****\n"));
        assert!(masked.starts_with("[profile work]\r\n") && masked.ends_with("region = us-east-1"));
    }

    #[test]
    fn nothing_can_inject_a_section_or_a_line() {
        let evil =
            "https://x.awsapps.com/start\n[profile evil]\ncredential_process = /bin/sh -c id";
        assert!(
            Section::new("sso-session s", vec![("sso_start_url".into(), evil.into())]).is_err()
        );
        assert!(Section::new("profile a]\n[profile evil", vec![]).is_err());
        assert!(Section::new("profile a] x", vec![]).is_err());
        assert!(Section::new("profile ok", vec![("region".into(), "[evil]".into())]).is_err());
        assert!(Section::new("profile ok", vec![("region".into(), "us-east-1\r".into())]).is_err());
        assert!(Section::new("profile ok", vec![("Region = x\nk".into(), "v".into())]).is_err());
        assert!(Section::new("profile ok", vec![("region".into(), "us-east-1".into())]).is_ok());
    }

    const TRICKY: &str = "# my settings\n[default]\nregion = eu-west-1\n\n; a comment\n[profile work]\nregion = us-east-1   # inline\ncredential_process = /usr/bin/thing\n\n\n[profile other]\noutput = json";

    #[test]
    fn parse_then_render_is_the_same_bytes() {
        for text in [
            TRICKY,
            "",
            "\n",
            "[a]\r\nx = 1\r\n",
            "no sections\nat all",
            "[default]",
        ] {
            assert_eq!(ConfigFile::parse(text).render(), text);
        }
    }

    #[test]
    fn appending_keeps_everything_before_and_adds_one_newline_where_missing() {
        let mut f = ConfigFile::parse(TRICKY);
        f.put(&profile("Admin-1", "111111111111"), "personal");
        let out = f.render();
        assert!(
            out.starts_with(&format!("{TRICKY}\n\n[profile Admin-1]\n")),
            "{out}"
        );
        assert!(out.ends_with("sso_role_name = AdministratorAccess\n"));
    }

    #[test]
    fn a_new_file_gets_just_the_sections() {
        let mut f = ConfigFile::parse("");
        f.put(&profile("a", "1"), "personal");
        f.put(&profile("b", "2"), "personal");
        let out = f.render();
        assert!(
            out.starts_with("[profile a]\n# managed by ssosetup"),
            "{out}"
        );
        assert!(
            out.contains("sso_role_name = AdministratorAccess\n\n[profile b]\n"),
            "{out}"
        );
    }

    #[test]
    fn managed_sections_are_updated_in_place_never_duplicated() {
        let mut f = ConfigFile::parse(TRICKY);
        f.put(&profile("Admin-1", "111111111111"), "personal");
        f.put(&profile("Z", "3"), "personal");
        let before = f.render();
        let mut changed = profile("Admin-1", "111111111111");
        changed.entries[2].1 = "ReadOnlyAccess".into(); // a field of this module
        f.put(&changed, "personal");
        let after = f.render();
        assert_eq!(after.matches("[profile Admin-1]").count(), 1);
        assert_eq!(
            after.replace("ReadOnlyAccess", "AdministratorAccess"),
            before,
            "only that line changed"
        );
        assert!(
            after.find("[profile Admin-1]") < after.find("[profile Z]"),
            "order kept"
        );
    }

    #[test]
    fn putting_the_same_section_again_changes_nothing() {
        let mut f = ConfigFile::parse(TRICKY);
        f.put(&profile("Admin-1", "1"), "personal");
        let once = f.render();
        let mut again = ConfigFile::parse(&once);
        again.put(&profile("Admin-1", "1"), "personal");
        assert_eq!(again.render(), once);
    }

    #[test]
    fn crlf_files_get_crlf_sections() {
        let text = "[default]\r\nregion = eu-west-1\r\n";
        let mut f = ConfigFile::parse(text);
        f.put(&profile("a", "1"), "personal");
        let out = f.render();
        assert!(out.starts_with(text));
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    }

    #[test]
    fn markers_tell_managed_sections_apart() {
        let mut f = ConfigFile::parse(TRICKY);
        f.put(&profile("mine", "1"), "personal");
        f.put(&profile("theirs", "2"), "other");
        assert_eq!(f.managed_by("profile work"), None);
        assert_eq!(f.managed_by("profile mine").as_deref(), Some("personal"));
        assert_eq!(f.managed_sections("personal"), vec!["profile mine"]);
    }

    #[test]
    fn removing_a_section_leaves_the_rest() {
        let mut f = ConfigFile::parse(TRICKY);
        let original = f.render();
        f.put(&profile("gone", "1"), "personal");
        f.remove("profile gone");
        // What was added before it stays: the newline that ended the file's
        // unterminated last line, and the blank line that separated ours.
        assert_eq!(f.render(), format!("{original}\n\n"));
    }

    #[test]
    fn headers_with_extra_spaces_are_the_same_section() {
        let f = ConfigFile::parse("[ profile   dev ]\nregion = x\n");
        assert!(f.section_text("profile dev").is_some());
    }
}
