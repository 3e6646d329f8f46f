//! Behaviour of the vault as the store and the admin commands will use it.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use ar_connect::SecretString;
use ar_connect::vault::{
    Binding, MasterKey, MasterKeyRing, SealedValue, VaultError, new_data_key, open, rewrap, seal,
    unwrap_data_key,
};

const SECRET: &str = "ghp_0123456789abcdefghijklmnopqrstuvwxyz";

fn binding<'a>(workspace: &'a str, record: &'a str, field: &'a str) -> Binding<'a> {
    Binding {
        workspace_id: workspace,
        record_kind: "connection",
        record_id: record,
        field,
    }
}

#[test]
fn sealed_value_round_trips_through_wrapped_data_key() {
    let master = MasterKey::generate().expect("master key");
    let (_, wrapped) = new_data_key(&master, "ws-1").expect("data key");
    // As after a restart: only the wrapped key and the sealed value were persisted.
    let data_key = unwrap_data_key(&master, "ws-1", &wrapped).expect("unwraps");
    let here = binding("ws-1", "conn-1", "credentials");
    let sealed = seal(&data_key, SECRET, &here).expect("seals");
    assert!(
        !sealed
            .to_bytes()
            .windows(8)
            .any(|w| SECRET.as_bytes().windows(8).any(|s| s == w))
    );
    let opened = open(&data_key, &sealed, &here).expect("opens");
    assert_eq!(opened.expose_secret(), SECRET);
}

#[test]
fn wrong_master_key_does_not_unwrap_the_data_key() {
    let master = MasterKey::generate().expect("master key");
    let other = MasterKey::generate().expect("other master key");
    let (_, wrapped) = new_data_key(&master, "ws-1").expect("data key");

    let error = unwrap_data_key(&other, "ws-1", &wrapped).expect_err("wrong master");
    assert!(
        matches!(error, VaultError::UnknownMasterKey { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(master.key_id()), "{error}");

    // Even with the key id forged to match, authentication fails.
    let mut forged = wrapped.clone();
    forged.master_key_id = other.key_id().to_owned();
    let error = unwrap_data_key(&other, "ws-1", &forged).expect_err("forged id");
    assert!(
        matches!(error, VaultError::UnwrapFailed { .. }),
        "{error:?}"
    );
}

#[test]
fn wrapped_data_key_copied_to_another_workspace_does_not_unwrap() {
    let master = MasterKey::generate().expect("master key");
    let (_, wrapped) = new_data_key(&master, "ws-1").expect("data key");
    let error = unwrap_data_key(&master, "ws-2", &wrapped).expect_err("other workspace");
    assert!(
        matches!(error, VaultError::UnwrapFailed { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("ws-2"), "{error}");
}

#[test]
fn ciphertext_moved_to_another_binding_does_not_open() {
    let master = MasterKey::generate().expect("master key");
    let (data_key, _) = new_data_key(&master, "ws-1").expect("data key");
    let original = binding("ws-1", "conn-1", "credentials");
    let sealed = seal(&data_key, SECRET, &original).expect("seals");

    let moved_to = [
        (
            "another workspace",
            binding("ws-2", "conn-1", "credentials"),
        ),
        ("another record", binding("ws-1", "conn-2", "credentials")),
        ("another field", binding("ws-1", "conn-1", "refresh_token")),
        (
            "another record kind",
            Binding {
                record_kind: "vault_secret",
                ..original
            },
        ),
    ];
    for (case, target) in moved_to {
        let error = open(&data_key, &sealed, &target).expect_err(case);
        assert!(
            matches!(error, VaultError::OpenFailed { .. }),
            "{case}: {error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(target.record_id), "{case}: {message}");
        assert!(message.contains(target.workspace_id), "{case}: {message}");
    }
}

#[test]
fn ciphertext_under_another_workspaces_data_key_does_not_open() {
    let master = MasterKey::generate().expect("master key");
    let (key_1, _) = new_data_key(&master, "ws-1").expect("data key 1");
    let (key_2, _) = new_data_key(&master, "ws-2").expect("data key 2");
    let here = binding("ws-1", "conn-1", "credentials");
    let sealed = seal(&key_1, SECRET, &here).expect("seals");
    let error = open(&key_2, &sealed, &here).expect_err("other data key");
    assert!(matches!(error, VaultError::OpenFailed { .. }), "{error:?}");
}

#[test]
fn any_tampered_byte_makes_the_value_fail_to_open() {
    let master = MasterKey::generate().expect("master key");
    let (data_key, _) = new_data_key(&master, "ws-1").expect("data key");
    let here = binding("ws-1", "conn-1", "credentials");
    let sealed = seal(&data_key, SECRET, &here).expect("seals");

    for index in 0..sealed.nonce.len() {
        let mut tampered = sealed.clone();
        tampered.nonce[index] ^= 0x01;
        assert!(
            open(&data_key, &tampered, &here).is_err(),
            "nonce byte {index}"
        );
    }
    for index in 0..sealed.ciphertext.len() {
        let mut tampered = sealed.clone();
        tampered.ciphertext[index] ^= 0x80;
        assert!(
            open(&data_key, &tampered, &here).is_err(),
            "ciphertext byte {index}"
        );
    }
    let mut truncated = sealed.clone();
    truncated.ciphertext.truncate(4);
    assert!(open(&data_key, &truncated, &here).is_err(), "truncated");
    let empty = SealedValue {
        ciphertext: Vec::new(),
        ..sealed
    };
    assert!(open(&data_key, &empty, &here).is_err(), "empty");
}

#[test]
fn tampered_wrapped_data_key_fails_to_unwrap() {
    let master = MasterKey::generate().expect("master key");
    let (_, wrapped) = new_data_key(&master, "ws-1").expect("data key");
    for index in 0..wrapped.ciphertext.len() {
        let mut tampered = wrapped.clone();
        tampered.ciphertext[index] ^= 0x01;
        let error = unwrap_data_key(&master, "ws-1", &tampered).expect_err("tampered");
        assert!(
            matches!(error, VaultError::UnwrapFailed { .. }),
            "byte {index}"
        );
    }
}

#[test]
fn sealed_value_bytes_round_trip_and_malformed_bytes_give_clear_errors() {
    let master = MasterKey::generate().expect("master key");
    let (data_key, _) = new_data_key(&master, "ws-1").expect("data key");
    let here = binding("ws-1", "conn-1", "credentials");
    let sealed = seal(&data_key, SECRET, &here).expect("seals");
    let parsed = SealedValue::from_bytes(&sealed.to_bytes()).expect("parses");
    assert_eq!(parsed, sealed);

    let mut wrong_version = sealed.to_bytes();
    wrong_version[0] = 9;
    let cases: [(&[u8], &str); 3] = [
        (&[], "empty"),
        (&wrong_version, "unknown format version 9"),
        (&[1, 2, 3], "shorter than a nonce"),
    ];
    for (bytes, expected) in cases {
        let error = SealedValue::from_bytes(bytes)
            .expect_err(expected)
            .to_string();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn wrapped_key_and_sealed_value_survive_json_persistence() {
    let master = MasterKey::generate().expect("master key");
    let (data_key, wrapped) = new_data_key(&master, "ws-1").expect("data key");
    let here = binding("ws-1", "conn-1", "credentials");
    let sealed = seal(&data_key, SECRET, &here).expect("seals");

    let wrapped_json = serde_json::to_string(&wrapped).expect("serializes");
    let sealed_json = serde_json::to_string(&sealed).expect("serializes");
    let wrapped_back = serde_json::from_str(&wrapped_json).expect("parses");
    let sealed_back: SealedValue = serde_json::from_str(&sealed_json).expect("parses");

    let data_key = unwrap_data_key(&master, "ws-1", &wrapped_back).expect("unwraps");
    assert_eq!(
        open(&data_key, &sealed_back, &here)
            .expect("opens")
            .expose_secret(),
        SECRET
    );

    let short_nonce = r#"{"nonce":"AAAA","ciphertext":""}"#;
    let error = serde_json::from_str::<SealedValue>(short_nonce).expect_err("short nonce");
    assert!(error.to_string().contains("expected 24 bytes"), "{error}");
}

#[test]
fn rotation_keeps_every_secret_readable_while_both_keys_are_loaded() {
    let old_master = MasterKey::generate().expect("old master");
    let workspaces = ["ws-1", "ws-2", "ws-3"];
    let mut stored = Vec::new();
    for workspace in workspaces {
        let (data_key, wrapped) = new_data_key(&old_master, workspace).expect("data key");
        let here = binding(workspace, "conn-1", "credentials");
        let value = format!("{SECRET}-{workspace}");
        let sealed = seal(&data_key, &value, &here).expect("seals");
        stored.push((workspace, wrapped, sealed, value));
    }

    let new_master = MasterKey::generate().expect("new master");
    let ring = MasterKeyRing::new(new_master.clone()).with_retired(old_master.clone());

    // Incremental: rotate only the first workspace; all remain readable meanwhile.
    let (workspace, wrapped, _, _) = &stored[0];
    assert!(ring.needs_rewrap(wrapped));
    let rotated = ring
        .rewrap_to_current(workspace, wrapped)
        .expect("rewraps")
        .expect("was on the old key");
    assert_eq!(rotated.master_key_id, new_master.key_id());
    assert!(!ring.needs_rewrap(&rotated));
    assert_eq!(
        ring.rewrap_to_current(workspace, &rotated).expect("no-op"),
        None
    );
    stored[0].1 = rotated;

    let read_all = |ring: &MasterKeyRing, stored: &[(&str, _, SealedValue, String)]| {
        for (workspace, wrapped, sealed, value) in stored {
            let data_key = ring.unwrap_data_key(workspace, wrapped).expect("unwraps");
            let here = binding(workspace, "conn-1", "credentials");
            let opened = open(&data_key, sealed, &here).expect("opens");
            assert_eq!(opened.expose_secret(), value);
        }
    };
    read_all(&ring, &stored);

    // Finish with the plain function form, then drop the old key.
    for (workspace, wrapped, _, _) in stored.iter_mut().skip(1) {
        *wrapped = rewrap(wrapped, workspace, &old_master, &new_master).expect("rewraps");
    }
    let new_only = MasterKeyRing::new(new_master);
    read_all(&new_only, &stored);

    // And the old key alone no longer opens anything.
    let old_only = MasterKeyRing::new(old_master);
    for (workspace, wrapped, _, _) in &stored {
        let error = old_only
            .unwrap_data_key(workspace, wrapped)
            .expect_err("old key");
        assert!(
            matches!(error, VaultError::UnknownMasterKey { .. }),
            "{error:?}"
        );
    }
}

#[test]
fn key_file_is_created_with_mode_0600_and_reloads_as_the_same_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data").join("master.key");
    let created = MasterKey::load_or_create_file(&path).expect("creates");
    let mode = fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let reloaded = MasterKey::load_or_create_file(&path).expect("reloads");
    assert_eq!(reloaded.key_id(), created.key_id());
    assert_eq!(
        MasterKey::load_file(&path).expect("loads").key_id(),
        created.key_id()
    );
}

#[test]
fn key_file_readable_by_group_or_others_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("master.key");
    MasterKey::load_or_create_file(&path).expect("creates");
    for mode in [0o640, 0o604, 0o620, 0o644, 0o666] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        let error = MasterKey::load_file(&path).expect_err("insecure file");
        assert!(
            matches!(error, VaultError::InsecureKeyFile { .. }),
            "{mode:o}: {error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("chmod 600"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(MasterKey::load_or_create_file(&path).is_err(), "{mode:o}");
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).expect("chmod");
    assert!(
        MasterKey::load_file(&path).is_ok(),
        "owner read-only is fine"
    );
}

#[test]
fn key_file_with_garbage_is_refused_with_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("master.key");
    fs::write(&path, "definitely not a key\n").expect("writes");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    let error = MasterKey::load_file(&path)
        .expect_err("garbage")
        .to_string();
    assert!(error.contains("not valid base64"), "{error}");
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(!error.contains("definitely"), "{error}");
}

#[test]
fn missing_key_file_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("absent.key");
    let error = MasterKey::load_file(&path).expect_err("absent");
    assert!(matches!(error, VaultError::KeyFileIo { .. }), "{error:?}");
    assert!(error.to_string().contains("absent.key"), "{error}");
}

#[test]
fn debug_output_of_keys_and_secrets_contains_no_key_material() {
    let master = MasterKey::from_bytes([0xAB; 32]);
    let (data_key, wrapped) = new_data_key(&master, "ws-1").expect("data key");
    let ring = MasterKeyRing::new(master.clone());
    let secret = SecretString::from(SECRET);
    let master_b64 = master.to_base64().expose_secret().to_owned();

    let renderings = [
        format!("{master:?}"),
        format!("{master:#?}"),
        format!("{data_key:?}"),
        format!("{ring:?}"),
        format!("{secret:?}"),
        format!("{secret}"),
    ];
    let forbidden = [
        master_b64.as_str(),
        &master_b64[..12],
        "abababab",
        "ABABABAB",
        "171, 171",
        "0xab",
        SECRET,
    ];
    for rendering in &renderings {
        for needle in forbidden {
            assert!(!rendering.contains(needle), "{needle:?} in {rendering}");
        }
    }
    assert!(format!("{master:?}").contains(master.key_id()));
    // The wrapped key is ciphertext, fine to print, and still names its master key.
    assert!(format!("{wrapped:?}").contains(master.key_id()));
}
