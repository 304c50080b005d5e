//! Which sso-session and role a profile names, read from the AWS CLI
//! config file as the AWS CLI reads it.

use std::path::Path;

use crate::error::UserError;
use crate::ini::ConfigFile;

/// The region a session signs in through: a region name, or an error that
/// names the key, the section and the file (the SDK's own refusal names
/// neither).
fn sso_region(value: String, section: &str, path: &Path) -> Result<String, UserError> {
    if crate::config::is_region(&value) {
        return Ok(value);
    }
    Err(UserError::new(format!(
        "sso_region = {} in [{section}] of {} is not an AWS region",
        crate::error::excerpt(&value),
        path.display()
    ))
    .hint("set it to the Identity Center home region, such as us-east-1 (`ssosetup cli-profiles` writes it)"))
}

/// An `[sso-session NAME]`, or the start URL of a profile written the
/// older way (`sso_start_url` in the profile itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoSession {
    /// `None`: a profile of the older kind, with no session name.
    pub name: Option<String>,
    pub start_url: String,
    pub region: String,
}

impl SsoSession {
    /// How the AWS CLI names this session's token in its cache: the session
    /// name, or for the older kind of profile the start URL.
    pub(crate) fn cache_key(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }

    /// The command that signs in to it.
    pub(crate) fn login_command(&self) -> String {
        match &self.name {
            Some(name) => format!("ssosetup login --sso-session {name}"),
            None => "ssosetup login --profile <this profile>".to_string(),
        }
    }
}

/// A profile that gets its credentials through Identity Center.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoProfile {
    pub name: String,
    pub session: SsoSession,
    pub account_id: String,
    pub role_name: String,
    pub region: Option<String>,
}

fn section_of(profile: &str) -> String {
    if profile == "default" {
        "default".to_string()
    } else {
        format!("profile {profile}")
    }
}

/// `[sso-session NAME]` of `file`, read from `path`.
pub(crate) fn session(file: &ConfigFile, path: &Path, name: &str) -> Result<SsoSession, UserError> {
    let section = format!("sso-session {name}");
    if file.section_text(&section).is_none() {
        let known = sessions(file);
        return Err(
            UserError::new(format!("the AWS CLI config has no [sso-session {name}]")).hint(
                if known.is_empty() {
                    "run `ssosetup cli-profiles` (or `aws configure sso`) to write one".to_string()
                } else {
                    format!("sessions there: {}", known.join(", "))
                },
            ),
        );
    }
    let get = |key: &str| {
        file.value(&section, key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                UserError::new(format!("[sso-session {name}] has no {key}"))
                    .hint("run `ssosetup cli-profiles` (or `aws configure sso`) to write it again")
            })
    };
    Ok(SsoSession {
        name: Some(name.to_string()),
        start_url: get("sso_start_url")?,
        region: sso_region(get("sso_region")?, &section, path)?,
    })
}

/// The names of every `[sso-session]`.
pub(crate) fn sessions(file: &ConfigFile) -> Vec<String> {
    file.section_names()
        .into_iter()
        .filter_map(|n| n.strip_prefix("sso-session "))
        .map(str::to_string)
        .collect()
}

/// Every profile of `file`, by name (`default` and `[profile NAME]`), in
/// the file's order.
pub(crate) fn names(file: &ConfigFile) -> Vec<String> {
    file.section_names()
        .into_iter()
        .filter_map(|n| {
            if n == "default" {
                Some(n)
            } else {
                n.strip_prefix("profile ")
            }
        })
        .map(str::to_string)
        .collect()
}

/// Whether profile `name` signs in through Identity Center (names a
/// session or a start URL).
pub(crate) fn is_sso_profile(file: &ConfigFile, name: &str) -> bool {
    let section = section_of(name);
    ["sso_session", "sso_start_url"]
        .iter()
        .any(|k| file.value(&section, k).is_some_and(|v| !v.is_empty()))
}

/// Profile `name` of `file` (read from `path`), which must get its
/// credentials through Identity Center.
pub(crate) fn profile(file: &ConfigFile, path: &Path, name: &str) -> Result<SsoProfile, UserError> {
    let section = section_of(name);
    if file.section_text(&section).is_none() {
        return Err(
            UserError::new(format!("the AWS CLI config has no profile {name}"))
                .hint("run `ssosetup cli-profiles` to write the profiles, or check the name (`aws configure list-profiles`)"),
        );
    }
    let get = |key: &str| file.value(&section, key).filter(|v| !v.is_empty());
    let need = |key: &str| {
        get(key).ok_or_else(|| {
            UserError::new(format!(
                "profile {name} has no {key}: it does not sign in through Identity Center"
            ))
            .hint("name a profile that `ssosetup cli-profiles` or `aws configure sso` wrote")
        })
    };
    let session = match get("sso_session") {
        Some(s) => session(file, path, &s)?,
        None => SsoSession {
            name: None,
            start_url: need("sso_start_url")?,
            region: sso_region(need("sso_region")?, &section, path)?,
        },
    };
    Ok(SsoProfile {
        name: name.to_string(),
        session,
        account_id: need("sso_account_id")?,
        role_name: need("sso_role_name")?,
        region: get("region"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile old]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 222222222222
sso_role_name = ReadOnly

[profile keys]
aws_access_key_id = AKIA...

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-central-1
";

    #[test]
    fn profiles_of_both_kinds_are_read_and_others_refused() {
        let file = ConfigFile::parse(FILE);
        let path = Path::new("/home/a/.aws/config");
        let profile = |f: &ConfigFile, n: &str| profile(f, path, n);
        let session = |f: &ConfigFile, n: &str| session(f, path, n);
        let dev = profile(&file, "dev").unwrap();
        assert_eq!(dev.session.name.as_deref(), Some("corp"));
        assert_eq!(dev.session.region, "eu-central-1");
        assert_eq!(dev.session.cache_key(), "corp");
        assert_eq!(dev.account_id, "111111111111");
        assert_eq!(dev.region.as_deref(), Some("eu-west-1"));
        let old = profile(&file, "old").unwrap();
        assert_eq!(old.session.name, None);
        assert_eq!(
            old.session.cache_key(),
            "https://d-1234567890.awsapps.com/start"
        );
        let err = profile(&file, "keys").unwrap_err();
        assert!(
            err.message.contains("has no sso_start_url"),
            "{}",
            err.message
        );
        let err = profile(&file, "nope").unwrap_err();
        assert!(err.message.contains("no profile nope"));
        assert_eq!(sessions(&file), ["corp"]);
        assert!(session(&file, "other")
            .unwrap_err()
            .hint
            .unwrap()
            .contains("corp"));
        assert!(is_sso_profile(&file, "dev") && is_sso_profile(&file, "old"));
        assert!(!is_sso_profile(&file, "keys"));
        let bad = ConfigFile::parse(&FILE.replace("eu-central-1", "eu central 1"));
        let e = profile(&bad, "dev").unwrap_err();
        assert!(e.message.contains("sso_region"), "{}", e.message);
        assert!(e.message.contains("/home/a/.aws/config"), "{}", e.message);
    }
}
