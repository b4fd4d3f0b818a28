//! The parameter sets every interop check sends: generated from a fixed seed, hostile to
//! encoders, and each valid for our client's own validation (so it is really sent).
//!
//! Values are built from [`ATOMS`]: the characters percent-encoders disagree on (space `*` `~`
//! `+` `/` `=` `&` `%`, quotes, `!'()`), text that is already escaped (`%20`, `%2B`), Chinese
//! text, emoji (including joiners and flags), invisible and control characters, and
//! `false`-like words. The first sets are fixed (the documentation example, every optional
//! parameter empty, `0`/`false` everywhere, two `RestoreObjects` over 10 KB); the rest are
//! random. Destination types and `DuplicateConflict` cycle through every enum value.
//!
//! Most sets name a backup plan of the emulator's built-in seed and carry the user name and
//! password its MySQL plan needs, so the emulator can accept them; some name a hostile plan ID.

use dbs_api::{
    CreateRestoreTaskInput, CreateRestoreTaskInputBuilder, DestinationEndpointInstanceType,
    DestinationEndpointInstanceType as T, DuplicateConflict, RestoreObject,
};
use dbs_tests::SplitMix64;

/// The seed of the corpus. Changing it changes every set; keep it fixed so failures reproduce.
pub const SEED: u64 = 0x0DB5_2019_0306_5EED;
/// How many sets.
pub const SIZE: usize = 320;
/// The MySQL plan of the emulator's built-in seed.
pub const MYSQL_PLAN: &str = "dbsdemomysql01";
/// Other plans of the built-in seed.
const OTHER_PLANS: &[&str] = &[
    "dbsdemopgsql01",
    "dbsdemomongo01",
    "dbsdemomssql01",
    "dbsdemoredis01",
    "dbsdemoorcl01",
    "dbsdemomaria01",
    "dbsdemodrds01",
];

/// The pieces hostile values are made of.
pub const ATOMS: &[&str] = &[
    " ",
    "  ",
    "*",
    "~",
    "+",
    "/",
    "=",
    "&",
    "%",
    "%20",
    "%2B",
    "%25",
    "%zz",
    "\"",
    "'",
    "!",
    "(",
    ")",
    "!'()*",
    "?",
    "#",
    ";",
    ",",
    ":",
    "@",
    "$",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "|",
    "^",
    "`",
    "<",
    ">",
    "-",
    "_",
    ".",
    "a",
    "Z",
    "0",
    "9",
    "test",
    "中文",
    "数据库备份",
    "測試",
    "😀",
    "👨‍👩‍👧",
    "🇨🇳",
    "é",
    "ß",
    "Ω",
    "\u{FEFF}",
    "\u{200B}",
    "\u{7F}",
    "\u{0}",
    "\t",
    "\n",
    "\r\n",
    "null",
    "None",
    "undefined",
    "false",
    "False",
    "true",
    "NaN",
    "-1",
    "1e3",
    "a=b&c=d",
    "x+y=z",
    "100%",
    "&amp;",
    "<script>",
    "\u{1F600}\u{FE0F}",
];

/// Values that look like nothing, zero or false.
const FALSY: &[&str] = &[
    "", "0", "false", "False", "FALSE", "null", "None", "0.0", "-0", "no",
];

/// One parameter set.
#[derive(Clone, Debug)]
pub struct Case {
    /// Position in the corpus.
    pub index: usize,
    /// The input, as the builder our client takes.
    pub input: CreateRestoreTaskInputBuilder,
    /// Whether it names a plan of the emulator's seed and everything the spec requires of it
    /// (with the plan's engine known), and asks for a time or backup set the plan can restore,
    /// so the emulator should create the task.
    pub emulator_valid: bool,
}

impl Case {
    /// The parameters our client sends for it, in wire order (without the `ClientToken` the
    /// client adds when the set has none).
    pub fn wire(&self) -> Vec<(String, String)> {
        self.input
            .clone()
            .build()
            .to_wire_params()
            .into_iter()
            .map(|p| (p.name.to_owned(), p.value))
            .collect()
    }

    /// Whether the set carries its own `ClientToken`.
    pub fn has_client_token(&self) -> bool {
        self.wire().iter().any(|(k, _)| k == "ClientToken")
    }

    /// The set for a failure message: every parameter, values escaped (only fake data here).
    pub fn describe(&self) -> String {
        let params: Vec<String> = self
            .wire()
            .iter()
            .map(|(k, v)| {
                if v.len() > 300 {
                    let head: String = v.chars().take(100).collect();
                    format!("{k}=<{} bytes> {head:?}…", v.len())
                } else {
                    format!("{k}={v:?}")
                }
            })
            .collect();
        format!(
            "set #{} (seed {SEED:#x}): {}",
            self.index,
            params.join(", ")
        )
    }
}

/// The corpus: [`SIZE`] sets from [`SEED`].
pub fn corpus() -> Vec<Case> {
    let mut rng = SplitMix64::new(SEED);
    let mut cases = vec![
        documentation_example(),
        optional_strings_empty(),
        falsy_everywhere(),
        big_restore_objects(&mut rng, false),
        big_restore_objects(&mut rng, true),
    ];
    while cases.len() < SIZE {
        let index = cases.len();
        cases.push(random_case(&mut rng, index));
    }
    for (index, case) in cases.iter_mut().enumerate() {
        case.index = index;
    }
    cases
}

fn documentation_example() -> Case {
    Case {
        index: 0,
        input: CreateRestoreTaskInput::builder()
            .backup_plan_id(MYSQL_PLAN)
            .destination_endpoint_instance_type("RDS")
            .destination_endpoint_region("cn-hangzhou")
            .destination_endpoint_instance_id("rm-bp1p8c29*****")
            .destination_endpoint_user_name("test")
            .destination_endpoint_password("Test~pw 1")
            .restore_objects([RestoreObject::new("test").new_db_name("test_new")])
            .restore_time(1_554_560_477_000_i64)
            .restore_task_name("test")
            .duplicate_conflict("renamenew"),
        emulator_valid: true,
    }
}

/// Every optional string present and empty (`Key=` on the wire).
fn optional_strings_empty() -> Case {
    Case {
        index: 0,
        input: CreateRestoreTaskInput::builder()
            .backup_plan_id(MYSQL_PLAN)
            .destination_endpoint_instance_type("dg")
            .destination_endpoint_user_name("u")
            .destination_endpoint_password("p")
            .restore_objects([RestoreObject::new("db")
                .new_db_name("")
                .schema_name("")
                .new_schema_name("")])
            .restore_task_name("empty optionals")
            .destination_endpoint_region("")
            .destination_endpoint_instance_id("")
            .destination_endpoint_ip("")
            .destination_endpoint_database_name("")
            .backup_set_id("")
            .destination_endpoint_oracle_sid("")
            .restore_dir("")
            .restore_home("")
            .cross_aliyun_id("")
            .cross_role_name("")
            .owner_id(""),
        emulator_valid: false,
    }
}

/// `0` and `false`-like values wherever a value is free.
fn falsy_everywhere() -> Case {
    Case {
        index: 0,
        input: CreateRestoreTaskInput::builder()
            .backup_plan_id("0")
            .destination_endpoint_instance_type("Other")
            .destination_endpoint_ip("0")
            .destination_endpoint_port(1)
            .destination_endpoint_user_name("false")
            .destination_endpoint_password("0")
            .restore_objects([RestoreObject::new("0").new_db_name("false")])
            .restore_time(0_i64)
            .backup_set_id("false")
            .restore_task_name("False")
            .destination_endpoint_database_name("null")
            .destination_endpoint_oracle_sid("None")
            .restore_dir("0")
            .restore_home("-0")
            .cross_aliyun_id("0")
            .cross_role_name("false")
            .owner_id("0")
            .client_token("false"),
        emulator_valid: false,
    }
}

/// A `RestoreObjects` of more than 10 KB of JSON: plain names, or hostile ones.
fn big_restore_objects(rng: &mut SplitMix64, hostile: bool) -> Case {
    let mut objects = Vec::new();
    let mut size = 2;
    let mut n = 0;
    while size <= 10 * 1024 {
        let object = if hostile {
            RestoreObject::new(non_blank(rng, 8))
                .new_db_name(value(rng, 8))
                .schema_name(value(rng, 4))
                .new_schema_name(value(rng, 4))
        } else {
            RestoreObject::new(format!("database_{n:04}"))
                .new_db_name(format!("database_{n:04}_restored"))
        };
        size += serde_json::to_string(&object).map_or(0, |j| j.len()) + 1;
        objects.push(object);
        n += 1;
    }
    Case {
        index: 0,
        input: CreateRestoreTaskInput::builder()
            .backup_plan_id(MYSQL_PLAN)
            .destination_endpoint_instance_type("RDS")
            .destination_endpoint_region("cn-hangzhou")
            .destination_endpoint_instance_id(if hostile { "rm-中文 *~" } else { "rm-big" })
            .destination_endpoint_user_name("big")
            .destination_endpoint_password(if hostile { "p&w=d+%20 ~*" } else { "secret" })
            .restore_objects(objects)
            .restore_task_name(if hostile {
                "大 restore ✓"
            } else {
                "big restore"
            }),
        emulator_valid: true,
    }
}

/// `1..=max` atoms.
fn value(rng: &mut SplitMix64, max: usize) -> String {
    (0..=rng.below(max)).map(|_| *rng.pick(ATOMS)).collect()
}

/// A value that is not empty or blank (our validator refuses those for required parameters).
fn non_blank(rng: &mut SplitMix64, max: usize) -> String {
    loop {
        let v = value(rng, max);
        if !v.trim().is_empty() {
            return v;
        }
    }
}

/// A string parameter: a non-blank value when required, otherwise [`optional`].
fn string(rng: &mut SplitMix64, required: bool) -> Option<String> {
    if required {
        Some(non_blank(rng, 6))
    } else {
        optional(rng)
    }
}

/// An optional string: absent, empty, falsy or hostile.
fn optional(rng: &mut SplitMix64) -> Option<String> {
    match rng.below(8) {
        0 | 1 => None,
        2 => Some(String::new()),
        3 => Some((*rng.pick(FALSY)).to_owned()),
        _ => Some(value(rng, 6)),
    }
}

fn random_case(rng: &mut SplitMix64, index: usize) -> Case {
    let types = DestinationEndpointInstanceType::VALUES;
    let ty = DestinationEndpointInstanceType::from(types[index % types.len()]);
    let needs = |list: &[T]| list.contains(&ty);

    // Seven in ten sets name the MySQL plan, one another plan, two a hostile ID.
    let plan_roll = rng.below(10);
    let plan = match plan_roll {
        0..=6 => MYSQL_PLAN.to_owned(),
        7 => (*rng.pick(OTHER_PLANS)).to_owned(),
        _ => non_blank(rng, 5),
    };
    let mut b = CreateRestoreTaskInput::builder()
        .backup_plan_id(plan)
        .destination_endpoint_instance_type(ty.clone())
        .restore_task_name(non_blank(rng, 6));

    if let Some(v) = string(rng, needs(&[T::Rds, T::Ecs, T::Dds, T::Express, T::Agent])) {
        b = b.destination_endpoint_region(v);
    }
    if let Some(v) = string(rng, needs(&[T::Rds, T::Ecs, T::Dds, T::Express])) {
        b = b.destination_endpoint_instance_id(v);
    }
    if let Some(v) = string(rng, needs(&[T::Express, T::Agent, T::Other])) {
        b = b.destination_endpoint_ip(v);
    }
    if needs(&[T::Express, T::Agent, T::Other, T::Ecs]) || rng.chance(40) {
        let port = match rng.below(4) {
            0 => 3306,
            1 => *rng.pick(&[1, 65535, 80, 1433]),
            _ => rng.range_i64(1, 65535) as i32,
        };
        b = b.destination_endpoint_port(port);
    }
    if let Some(v) = string(rng, needs(&[T::Dds])) {
        b = b.destination_endpoint_database_name(v);
    }
    // The emulator knows the engine, so it needs these for every plan but Redis: mostly set.
    let credentials = rng.chance(85);
    if credentials {
        b = b
            .destination_endpoint_user_name(non_blank(rng, 6))
            .destination_endpoint_password(non_blank(rng, 6));
    } else {
        if let Some(v) = optional(rng) {
            b = b.destination_endpoint_user_name(v);
        }
        if let Some(v) = optional(rng) {
            b = b.destination_endpoint_password(v);
        }
    }
    if needs(&[T::Agent]) || rng.chance(30) {
        // A gateway ID is 1 or more (the spec's range); each arm draws once, as before.
        let id = match rng.below(4) {
            0 => *rng.pick(&[1, 2, i64::MAX, 43_121_234, 4_312_000_000]),
            _ => rng.range_i64(1, i64::MAX),
        };
        b = b.backup_gateway_id(id);
    }
    if !needs(&[T::Agent]) || rng.chance(50) {
        let objects: Vec<RestoreObject> = (0..=rng.below(3))
            .map(|_| {
                let mut o = RestoreObject::new(non_blank(rng, 5));
                if let Some(v) = optional(rng) {
                    o = o.new_db_name(v);
                }
                if let Some(v) = optional(rng) {
                    o = o.schema_name(v);
                }
                if let Some(v) = optional(rng) {
                    o = o.new_schema_name(v);
                }
                o
            })
            .collect();
        b = b.restore_objects(objects);
    }
    // Whether the emulator can restore what the set asks for: its demo plans have backup
    // history from 2019-04-06 14:21:17 UTC (the reference's example RestoreTime) until the last
    // hourly increment, and their own backup set IDs only (see `dbs_emulator::restore`).
    let mut restorable = true;
    if rng.chance(50) {
        // A restore time is milliseconds since the epoch, never negative (its unit's bounds).
        let t = match rng.below(3) {
            0 => *rng.pick(&[0, 1, i64::MAX, 1_554_560_477_000]),
            _ => rng.range_i64(0, 4_000_000_000_000),
        };
        let an_hour_ago = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            - 3_600_000;
        restorable &= (1_554_560_477_000..=an_hour_ago).contains(&t);
        b = b.restore_time(t);
    }
    if let Some(v) = optional(rng) {
        // An empty BackupSetId is no backup set.
        restorable &= v.is_empty();
        b = b.backup_set_id(v);
    }
    if let Some(v) = optional(rng) {
        b = b.destination_endpoint_oracle_sid(v);
    }
    // The MySQL plan needs RestoreDir for an Agent destination (R10).
    let restore_dir = if needs(&[T::Agent]) {
        Some(non_blank(rng, 4))
    } else {
        optional(rng)
    };
    if let Some(v) = restore_dir {
        b = b.restore_dir(v);
    }
    if let Some(v) = optional(rng) {
        b = b.restore_home(v);
    }
    match index % 3 {
        0 => b = b.duplicate_conflict(DuplicateConflict::VALUES[0]),
        1 => b = b.duplicate_conflict(DuplicateConflict::VALUES[1]),
        _ => {}
    }
    if let Some(v) = optional(rng) {
        b = b.cross_aliyun_id(v);
    }
    if let Some(v) = optional(rng) {
        b = b.cross_role_name(v);
    }
    if let Some(v) = optional(rng) {
        b = b.owner_id(v);
    }
    // A unique token (the visible-ASCII part of hostile text, plus the index), or none so the
    // client makes one. The reference allows only ASCII and at most 64 characters, which the
    // client enforces; `%`, `&`, `=`, `+`, `*` and the like still test the encodings.
    if rng.chance(75) {
        let hostile: String = value(rng, 3)
            .chars()
            .filter(char::is_ascii_graphic)
            .take(48)
            .collect();
        b = b.client_token(format!("{hostile}#{index}"));
    }
    Case {
        index,
        input: b,
        emulator_valid: plan_roll <= 6 && credentials && restorable,
    }
}
