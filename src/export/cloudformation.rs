//! The hand-over as CloudFormation import change sets: templates of at most
//! 200 resources (CreateChangeSet imports at most 200 at a time) and at
//! most 51,200 bytes (what `--template-body` takes), split by kind (and
//! assignments by account range) and numbered in the order to import
//! them; every resource `DeletionPolicy: Retain` and `UpdateReplacePolicy:
//! Retain`; beside each, the `ResourcesToImport` list with the identifiers
//! each type's schema names. Identifiers are literal (each template is its
//! own stack). Pure.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use super::names::{logical_id, Namer};
use super::{Export, Handover};
use crate::model::{Boundary, Contact, Principal, UserDetail};

/// Resources one import change set takes.
pub(crate) const MAX_RESOURCES: usize = 200;
/// What `--template-body` takes.
pub(crate) const MAX_TEMPLATE_BYTES: usize = 51_200;

/// The regions where CloudFormation offers AWS::IdentityStore::User, as
/// cfn-lint 1.58's region data says (its other types are everywhere).
const USER_REGIONS: [&str; 9] = [
    "us-east-1",
    "eusc-de-east-1",
    "eu-isoe-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
];

pub(crate) fn user_type_offered(region: &str) -> bool {
    USER_REGIONS.contains(&region)
}

/// One resource: its logical id, the template body part, and its import
/// entry.
struct Resource {
    id: String,
    kind: &'static str,
    properties: Map<String, Value>,
    identifier: Value,
}

fn put(props: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        props.insert(key.to_string(), Value::String(v.to_string()));
    }
}

fn contacts(list: &[Contact]) -> Value {
    Value::Array(
        list.iter()
            .map(|c| {
                let mut m = Map::new();
                put(&mut m, "Value", c.value.as_deref());
                put(&mut m, "Type", c.kind.as_deref());
                m.insert("Primary".into(), Value::Bool(c.primary));
                Value::Object(m)
            })
            .collect(),
    )
}

/// Why a user cannot be a CloudFormation resource as it is. Pure.
fn unsupported(u: &UserDetail, region: &str) -> Option<String> {
    if !user_type_offered(region) {
        return Some(format!(
            "user {}: CloudFormation does not offer AWS::IdentityStore::User in {region}; hand users over with Terraform (`ssosetup export terraform`)",
            crate::model::printable(&u.user_name)
        ));
    }
    (u.photos > 0 || u.roles > 0).then(|| {
        format!(
            "user {}: photos or roles, which an import would not keep",
            crate::model::printable(&u.user_name)
        )
    })
}

/// The whole hand-over as templates and import lists. Pure.
pub(crate) fn render(h: &Handover) -> Export {
    let mut names = Namer::default();
    let mut left_out = h.left_out.clone();
    let instance = || Value::String(h.instance_arn.clone());
    let store = || Value::String(h.identity_store_id.clone());
    let mut kinds: Vec<(&str, Vec<Resource>)> = Vec::new();

    let mut sets = Vec::new();
    for s in &h.sets {
        let o = &s.observed;
        let mut p = Map::new();
        p.insert("InstanceArn".into(), instance());
        p.insert("Name".into(), Value::String(o.set.name.clone()));
        put(&mut p, "Description", o.set.description.as_deref());
        p.insert(
            "SessionDuration".into(),
            Value::String(
                o.set
                    .session_duration
                    .clone()
                    .unwrap_or_else(|| "PT1H".into()),
            ),
        );
        put(&mut p, "RelayStateType", o.set.relay_state.as_deref());
        if !o.managed.is_empty() {
            p.insert("ManagedPolicies".into(), json!(o.managed));
        }
        if !o.customer_managed.is_empty() {
            p.insert(
                "CustomerManagedPolicyReferences".into(),
                Value::Array(
                    o.customer_managed
                        .iter()
                        .map(|c| json!({"Name": c.name, "Path": c.path}))
                        .collect(),
                ),
            );
        }
        put(&mut p, "InlinePolicy", o.inline.as_deref());
        match &o.boundary {
            Some(Some(Boundary::Managed(arn))) => {
                p.insert(
                    "PermissionsBoundary".into(),
                    json!({"ManagedPolicyArn": arn}),
                );
            }
            Some(Some(Boundary::CustomerManaged(c))) => {
                p.insert(
                    "PermissionsBoundary".into(),
                    json!({"CustomerManagedPolicyReference": {"Name": c.name, "Path": c.path}}),
                );
            }
            _ => {}
        }
        if !s.tags.is_empty() {
            p.insert(
                "Tags".into(),
                Value::Array(
                    s.tags
                        .iter()
                        .map(|(k, v)| json!({"Key": k, "Value": v}))
                        .collect(),
                ),
            );
        }
        sets.push(Resource {
            id: names.unique("cfn", logical_id("PermissionSet", &[&o.set.name])),
            kind: "AWS::SSO::PermissionSet",
            properties: p,
            identifier: json!({"InstanceArn": h.instance_arn, "PermissionSetArn": o.set.arn}),
        });
    }
    kinds.push(("permission-sets", sets));

    let mut groups = Vec::new();
    for g in &h.groups {
        let mut p = Map::new();
        p.insert("IdentityStoreId".into(), store());
        p.insert("DisplayName".into(), Value::String(g.display_name.clone()));
        put(&mut p, "Description", g.description.as_deref());
        groups.push(Resource {
            id: names.unique("cfn", logical_id("Group", &[&g.display_name])),
            kind: "AWS::IdentityStore::Group",
            properties: p,
            identifier: json!({"GroupId": g.id, "IdentityStoreId": h.identity_store_id}),
        });
    }
    kinds.push(("groups", groups));

    let mut users = Vec::new();
    for u in &h.users {
        if let Some(why) = unsupported(u, &h.region) {
            left_out.push(why);
            continue;
        }
        let mut p = Map::new();
        p.insert("IdentityStoreId".into(), store());
        p.insert("UserName".into(), Value::String(u.user_name.clone()));
        put(&mut p, "DisplayName", u.display_name.as_deref());
        if let Some(n) = &u.name {
            let mut m = Map::new();
            put(&mut m, "GivenName", n.given_name.as_deref());
            put(&mut m, "FamilyName", n.family_name.as_deref());
            put(&mut m, "Formatted", n.formatted.as_deref());
            put(&mut m, "MiddleName", n.middle_name.as_deref());
            put(&mut m, "HonorificPrefix", n.honorific_prefix.as_deref());
            put(&mut m, "HonorificSuffix", n.honorific_suffix.as_deref());
            p.insert("Name".into(), Value::Object(m));
        }
        if !u.emails.is_empty() {
            p.insert("Emails".into(), contacts(&u.emails));
        }
        if !u.phone_numbers.is_empty() {
            p.insert("PhoneNumbers".into(), contacts(&u.phone_numbers));
        }
        if !u.addresses.is_empty() {
            p.insert(
                "Addresses".into(),
                Value::Array(
                    u.addresses
                        .iter()
                        .map(|a| {
                            let mut m = Map::new();
                            put(&mut m, "StreetAddress", a.street_address.as_deref());
                            put(&mut m, "Locality", a.locality.as_deref());
                            put(&mut m, "Region", a.region.as_deref());
                            put(&mut m, "PostalCode", a.postal_code.as_deref());
                            put(&mut m, "Country", a.country.as_deref());
                            put(&mut m, "Formatted", a.formatted.as_deref());
                            put(&mut m, "Type", a.kind.as_deref());
                            m.insert("Primary".into(), Value::Bool(a.primary));
                            Value::Object(m)
                        })
                        .collect(),
                ),
            );
        }
        for (key, value) in [
            ("NickName", &u.nick_name),
            ("ProfileUrl", &u.profile_url),
            ("UserType", &u.user_type),
            ("Title", &u.title),
            ("PreferredLanguage", &u.preferred_language),
            ("Locale", &u.locale),
            ("Timezone", &u.timezone),
            ("Website", &u.website),
            ("Birthdate", &u.birthdate),
        ] {
            put(&mut p, key, value.as_deref());
        }
        users.push(Resource {
            id: names.unique("cfn", logical_id("User", &[&u.user_name])),
            kind: "AWS::IdentityStore::User",
            properties: p,
            identifier: json!({"Arn": u.arn}),
        });
    }
    kinds.push(("users", users));

    let known = h.names();
    let user_name = |id: &str| known.user(id);
    let group_name = |id: &str| known.group(id);
    let mut memberships = Vec::new();
    for m in &h.memberships {
        memberships.push(Resource {
            id: names.unique(
                "cfn",
                logical_id(
                    "Membership",
                    &[&user_name(&m.user_id), &group_name(&m.group_id)],
                ),
            ),
            kind: "AWS::IdentityStore::GroupMembership",
            properties: {
                let mut p = Map::new();
                p.insert("IdentityStoreId".into(), store());
                p.insert("GroupId".into(), Value::String(m.group_id.clone()));
                p.insert("MemberId".into(), json!({"UserId": m.user_id}));
                p
            },
            identifier: json!({"MembershipId": m.id, "IdentityStoreId": h.identity_store_id}),
        });
    }
    kinds.push(("group-memberships", memberships));

    let mut assignments: Vec<(String, Resource)> = Vec::new();
    let mut sorted = h.assignments.clone();
    sorted.sort_by(|a, b| a.account.cmp(&b.account).then(a.cmp(b)));
    for a in &sorted {
        let set = h.set_name(a.permission_set.as_str()).unwrap_or_default();
        let (kind, id, who) = match &a.principal {
            Principal::Group(g) => ("GROUP", g.to_string(), group_name(g.as_str())),
            Principal::User(u) => ("USER", u.to_string(), user_name(u.as_str())),
        };
        let fields = json!({
            "InstanceArn": h.instance_arn,
            "TargetId": a.account.as_str(),
            "TargetType": "AWS_ACCOUNT",
            "PermissionSetArn": a.permission_set.as_str(),
            "PrincipalType": kind,
            "PrincipalId": id,
        });
        assignments.push((
            a.account.to_string(),
            Resource {
                id: names.unique(
                    "cfn",
                    logical_id(
                        "Assignment",
                        &[&super::names::assignment_name(
                            set,
                            a.account.as_str(),
                            &who,
                        )],
                    ),
                ),
                kind: "AWS::SSO::Assignment",
                properties: fields.as_object().cloned().unwrap_or_default(),
                identifier: fields,
            },
        ));
    }

    // Templates, numbered in import order.
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut stacks: Vec<(String, usize, usize)> = Vec::new();
    let mut number = 0;
    let mut emit = |label: String, chunk: Vec<&Resource>, files: &mut Vec<(PathBuf, String)>| {
        number += 1;
        let name = format!("{number:02}-{label}");
        let template = template_json(&chunk, &label);
        let import: Vec<Value> = chunk
            .iter()
            .map(|r| {
                json!({
                    "ResourceType": r.kind,
                    "LogicalResourceId": r.id,
                    "ResourceIdentifier": r.identifier,
                })
            })
            .collect();
        let bytes = template.len();
        files.push((PathBuf::from(format!("{name}.json")), template));
        files.push((
            PathBuf::from(format!("{name}.resources-to-import.json")),
            serde_json::to_string_pretty(&import).unwrap_or_default() + "\n",
        ));
        stacks.push((name, chunk.len(), bytes));
    };
    for (label, resources) in &kinds {
        for chunk in chunks(resources.iter().collect()) {
            emit(label.to_string(), chunk, &mut files);
        }
    }
    for chunk in chunks(assignments.iter().map(|(_, r)| r).collect()) {
        let first = chunk
            .first()
            .and_then(|r| r.identifier["TargetId"].as_str())
            .unwrap_or_default()
            .to_string();
        let last = chunk
            .last()
            .and_then(|r| r.identifier["TargetId"].as_str())
            .unwrap_or_default()
            .to_string();
        let label = if first == last {
            format!("assignments-{first}")
        } else {
            format!("assignments-{first}-to-{last}")
        };
        emit(label, chunk, &mut files);
    }
    files.push((PathBuf::from("README.md"), readme(h, &stacks, &left_out)));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Export { files, left_out }
}

/// Consecutive resources in templates of at most [`MAX_RESOURCES`] and
/// [`MAX_TEMPLATE_BYTES`] (a resource that alone is larger gets a template
/// of its own, and the README says to upload it). Pure.
fn chunks(resources: Vec<&Resource>) -> Vec<Vec<&Resource>> {
    // A template's size is its frame plus each resource as it is printed
    // in it, and a comma and a newline between them; measured once per
    // resource (a 6,000-assignment export would otherwise print every
    // candidate template whole).
    let frame = template_json(&[], LABEL_ROOM).len();
    let mut out: Vec<Vec<&Resource>> = Vec::new();
    let mut current: Vec<&Resource> = Vec::new();
    let mut bytes = frame;
    for r in resources {
        let size = template_json(&[r], LABEL_ROOM).len() - frame + 2;
        if !current.is_empty()
            && (current.len() == MAX_RESOURCES || bytes + size > MAX_TEMPLATE_BYTES)
        {
            out.push(std::mem::take(&mut current));
            bytes = frame;
        }
        current.push(r);
        bytes += size;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A label as long as any a template gets (`assignments-<id>-to-<id>`), so
/// that a chunk measured with it is never smaller than the template.
const LABEL_ROOM: &str = "assignments-000000000000-to-000000000000";

fn template_json(resources: &[&Resource], label: &str) -> String {
    let mut body = Map::new();
    for r in resources {
        body.insert(
            r.id.clone(),
            json!({
                "Type": r.kind,
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": r.properties,
            }),
        );
    }
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("IAM Identity Center {label}, imported from what exists (ssosetup export cloudformation)"),
        "Resources": body,
    });
    serde_json::to_string_pretty(&template).unwrap_or_default() + "\n"
}

fn readme(h: &Handover, stacks: &[(String, usize, usize)], left_out: &[String]) -> String {
    let mut text = format!(
        "# IAM Identity Center, handed over to CloudFormation\n\nWritten by `ssosetup export cloudformation` from the instance {} (identity store {}, home region {}). Each template is one stack, imported with one change set (at most {MAX_RESOURCES} resources); import them in order. Every resource is `DeletionPolicy: Retain`: deleting a stack leaves Identity Center as it is.\n\nWith credentials for the account that runs Identity Center:\n",
        h.instance_arn, h.identity_store_id, h.region
    );
    for (name, count, bytes) in stacks {
        let stack = format!("ssosetup-{name}");
        let body = if *bytes > MAX_TEMPLATE_BYTES {
            format!("--template-url https://<bucket>.s3.amazonaws.com/{name}.json  # {bytes} bytes: upload it to S3 first (--template-body takes at most {MAX_TEMPLATE_BYTES})")
        } else {
            format!("--template-body file://{name}.json")
        };
        let _ = write!(
            text,
            "\n## {name} ({count} resource{})\n\n    aws cloudformation create-change-set --region {region} --stack-name {stack} --change-set-name ssosetup-import --change-set-type IMPORT --resources-to-import file://{name}.resources-to-import.json {body}\n    aws cloudformation wait change-set-create-complete --region {region} --stack-name {stack} --change-set-name ssosetup-import\n    aws cloudformation execute-change-set --region {region} --stack-name {stack} --change-set-name ssosetup-import\n",
            if *count == 1 { "" } else { "s" },
            region = h.region,
        );
    }
    text.push_str("\nThen run drift detection on each stack, and set `[iac] owner = \"cloudformation\"` in ssosetup's config: ssosetup reports drift in these resources and never writes them.\n");
    if !left_out.is_empty() {
        text.push_str("\nLeft out:\n\n");
        for l in left_out {
            let _ = writeln!(text, "- {l}");
        }
    }
    text
}
