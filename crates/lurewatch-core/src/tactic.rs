//! The public vocabulary: tactic ids, conversation categories and risk levels.
//!
//! These ids are a public contract (see the design document): they appear in every output
//! and must never be renamed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! id_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $id:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable id used in every output.
            pub const fn id(self) -> &'static str {
                match self {
                    $($name::$variant => $id,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.id())
            }
        }

        impl FromStr for $name {
            type Err = UnknownId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($id => Ok($name::$variant),)*
                    _ => Err(UnknownId {
                        kind: stringify!($name),
                        id: s.to_owned(),
                        expected: &[$($id,)*],
                    }),
                }
            }
        }
    };
}

/// An id that is not part of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{id}`; expected one of: {}", expected.join(", "))]
pub struct UnknownId {
    kind: &'static str,
    id: String,
    expected: &'static [&'static str],
}

id_enum! {
    /// A step of the sextortion or grooming script.
    Tactic {
        /// Unsolicited befriending or flirting opener.
        Approach = "approach",
        /// Compliments, love-bombing, trust building.
        Flattery = "flattery",
        /// Asks for age, school, phone, address, real name, face photos, accounts.
        PersonalInfoRequest = "personal_info_request",
        /// A participant says or implies being under 18.
        MinorIndicator = "minor_indicator",
        /// Gifts, pocket money, game credits, easy money, free tutoring.
        GiftOrMoneyOffer = "gift_or_money_offer",
        /// Keep it secret, delete messages, don't tell parents or friends.
        Secrecy = "secrecy",
        /// Move to another app, video platform or private channel.
        PlatformSwitch = "platform_switch",
        /// Install an app, open a download link, grant contacts/SMS permission.
        AppInstall = "app_install",
        /// Sexual talk, naked chat proposals.
        SexualContent = "sexual_content",
        /// Asks for body photos or videos, to undress on camera; offers to buy them.
        ImageRequest = "image_request",
        /// Proposes to meet offline.
        MeetingRequest = "meeting_request",
        /// Shows or claims to hold the contact list, recordings or personal data.
        ContactsLeverage = "contacts_leverage",
        /// Threatens to send or publish images or video.
        ThreatExposure = "threat_exposure",
        /// Demands money, names an amount or a payment channel.
        PaymentDemand = "payment_demand",
        /// Deadlines, countdowns, pressure to act now.
        Urgency = "urgency",
        /// A further demand after a payment or after a first demand was met.
        RepeatDemand = "repeat_demand",
    }
}

id_enum! {
    /// What a conversation is, as a whole.
    Category {
        /// Neither sextortion nor grooming.
        None = "none",
        /// Sexual extortion: leverage over intimate images, then demands.
        Sextortion = "sextortion",
        /// Grooming of a child for sexual purposes.
        Grooming = "grooming",
    }
}

id_enum! {
    /// Risk levels, in increasing order.
    Level {
        /// Nothing of the script.
        None = "none",
        /// Isolated signals.
        Low = "low",
        /// Part of the script: watch, warn the user.
        Medium = "medium",
        /// The script is under way.
        High = "high",
        /// Extortion or abuse in progress: act now.
        Critical = "critical",
    }
}

impl Tactic {
    /// Number of tactics (for dense per-tactic tables).
    pub const COUNT: usize = Self::ALL.len();

    /// Dense index of this tactic.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl Level {
    /// The level of a risk score in `0..=100`.
    pub const fn from_risk(risk: u8) -> Level {
        match risk {
            0..15 => Level::None,
            15..40 => Level::Low,
            40..65 => Level::Medium,
            65..85 => Level::High,
            _ => Level::Critical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_unknown() {
        for t in Tactic::ALL {
            assert_eq!(t.id().parse::<Tactic>().unwrap(), *t);
            assert_eq!(serde_json_like(*t), t.id());
        }
        let err = "nudity".parse::<Tactic>().unwrap_err().to_string();
        assert!(err.contains("unknown Tactic `nudity`") && err.contains("threat_exposure"));
        assert_eq!(Tactic::COUNT, 16);
    }

    fn serde_json_like(t: Tactic) -> String {
        toml::Value::try_from(t).unwrap().as_str().unwrap().to_owned()
    }

    #[test]
    fn levels_follow_risk() {
        assert_eq!(Level::from_risk(0), Level::None);
        assert_eq!(Level::from_risk(39), Level::Low);
        assert_eq!(Level::from_risk(40), Level::Medium);
        assert_eq!(Level::from_risk(84), Level::High);
        assert_eq!(Level::from_risk(100), Level::Critical);
        assert!(Level::Medium < Level::High);
    }
}
