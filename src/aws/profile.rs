//! Which credentials a run uses, decided before the first AWS call.
//!
//! The SDK's default chain reads environment keys before any profile, so
//! `--profile prod` with `AWS_ACCESS_KEY_ID` set would sign as the
//! environment's identity, and a profile name that exists nowhere would be
//! accepted silently. The AWS CLI does neither: a named profile
//! (`--profile`, or `AWS_PROFILE`) is the only source of credentials, and
//! an unknown one is an error. ssosetup does the same: the profile is
//! looked up in the shared files first, and its own chain (static keys,
//! SSO, credential_process, role assumption with source_profile) is the
//! credentials provider.

use std::path::PathBuf;

#[allow(deprecated)]
use aws_config::profile::profile_file::ProfileFiles;
use aws_config::profile::ProfileSet;
use aws_types::os_shim_internal::{Env, Fs};

use crate::model::CredentialSource;

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The profile the person named: `--profile`, else `AWS_PROFILE`.
pub(crate) fn named(flag: Option<&str>) -> Option<String> {
    flag.map(str::to_string).or_else(|| env_var("AWS_PROFILE"))
}

/// `$variable` when set and not blank, else `~/.aws/<file>`; `None` when
/// neither can be found (no HOME): never a relative `.aws/...`, which
/// would be read or written in whatever directory the command runs in.
/// `get` reads the environment. Pure.
fn shared_file(
    variable: &str,
    file: &str,
    get: &dyn Fn(&str) -> Option<String>,
) -> Option<PathBuf> {
    let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    set(variable)
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|h| PathBuf::from(h).join(".aws").join(file)))
}

fn real_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Neither HOME nor `AWS_CONFIG_FILE` says where the AWS CLI config is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoHome;

/// The AWS CLI config file, as the AWS CLI and the SDKs find it: the one
/// ssosetup signs in from and writes profiles to.
pub(crate) fn aws_config_path() -> Result<PathBuf, NoHome> {
    shared_file("AWS_CONFIG_FILE", "config", &real_env).ok_or(NoHome)
}

/// The two shared files, as the SDK and the AWS CLI find them (those that
/// can be found).
pub(crate) fn shared_files() -> Vec<PathBuf> {
    [
        aws_config_path().ok(),
        shared_file("AWS_SHARED_CREDENTIALS_FILE", "credentials", &real_env),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The profiles of the shared files (no secrets are kept: only names are used).
pub(crate) async fn load_profiles() -> Result<ProfileSet, String> {
    #[allow(deprecated)]
    let files = ProfileFiles::default();
    aws_config::profile::load(&Fs::real(), &Env::real(), &files, None)
        .await
        .map_err(|e| e.to_string())
}

/// Why a named profile cannot be used, before any AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownProfile {
    pub name: String,
    pub files: Vec<PathBuf>,
    /// The profiles that do exist (names only).
    pub known: Vec<String>,
    /// The files could not be read or parsed.
    pub unreadable: Option<String>,
}

/// Checks that profile `name` exists in the shared files.
pub(crate) async fn check_exists(name: &str) -> Result<(), UnknownProfile> {
    let unknown = |known: Vec<String>, unreadable: Option<String>| UnknownProfile {
        name: name.to_string(),
        files: shared_files(),
        known,
        unreadable,
    };
    match load_profiles().await {
        Ok(set) if set.get_profile(name).is_some() => Ok(()),
        Ok(set) => {
            let mut known: Vec<String> = set.profiles().map(str::to_string).collect();
            known.sort();
            Err(unknown(known, None))
        }
        Err(why) => Err(unknown(Vec::new(), Some(why))),
    }
}

/// Where the default chain would find credentials, in its own order, when
/// no profile is named.
pub(crate) async fn default_source() -> CredentialSource {
    if env_var("AWS_ACCESS_KEY_ID").is_some() && env_var("AWS_SECRET_ACCESS_KEY").is_some() {
        return CredentialSource::Environment;
    }
    if let Ok(set) = load_profiles().await {
        if set.get_profile("default").is_some() {
            return CredentialSource::Profile("default".to_string());
        }
    }
    if env_var("AWS_WEB_IDENTITY_TOKEN_FILE").is_some() {
        CredentialSource::WebIdentity
    } else if env_var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || env_var("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    {
        CredentialSource::Container
    } else {
        CredentialSource::InstanceRole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_config_file_is_the_variable_else_home_never_a_relative_path() {
        let path = |vars: &[(&str, &str)]| shared_file("AWS_CONFIG_FILE", "config", &env(vars));
        assert_eq!(
            path(&[("AWS_CONFIG_FILE", "/etc/aws"), ("HOME", "/home/a")]),
            Some(PathBuf::from("/etc/aws"))
        );
        // Unset, empty or blank: the home's.
        for set in [None, Some(""), Some("  ")] {
            let mut vars = vec![("HOME", "/home/a")];
            if let Some(v) = set {
                vars.push(("AWS_CONFIG_FILE", v));
            }
            assert_eq!(
                path(&vars),
                Some(PathBuf::from("/home/a/.aws/config")),
                "{set:?}"
            );
        }
        assert_eq!(path(&[]), None, "no HOME: no file, not ./.aws/config");
        assert_eq!(path(&[("HOME", " ")]), None);
    }
}
