//! Property tests: the trigger-spec parser and configuration validation
//! never panic, accept exactly what they document, and round-trip.

use gymrec::record::{RecordingConfig, TriggerSpec};
use gymrec::video::{EncoderSettings, X264_PRESETS};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_parses_or_errors_without_panicking(text in ".{0,24}") {
        if let Ok(spec) = text.parse::<TriggerSpec>() {
            prop_assert_eq!(spec.to_string().parse::<TriggerSpec>().unwrap(), spec);
        }
    }

    #[test]
    fn trigger_like_text_parses_or_names_itself(
        kind in "(cubic|all|none|every|steps|every:|steps:|EVERY:|foo:)",
        n in prop::option::of(any::<u64>()),
        pad in " {0,2}",
    ) {
        let text = match n {
            Some(n) => format!("{pad}{kind}{n}{pad}"),
            None => format!("{pad}{kind}{pad}"),
        };
        match text.parse::<TriggerSpec>() {
            Ok(spec) => {
                prop_assert_eq!(spec.to_string().parse::<TriggerSpec>().unwrap(), spec);
                if let TriggerSpec::Every(k) | TriggerSpec::Steps(k) = spec {
                    prop_assert!(k >= 1);
                    prop_assert_eq!(Some(k), n);
                }
            }
            Err(err) => {
                let msg = err.to_string();
                prop_assert!(msg.contains(&format!("{text:?}")), "{}", msg);
                prop_assert!(msg.contains("every:N"), "{}", msg);
            }
        }
    }

    #[test]
    fn every_n_parses_for_every_positive_n(n in 1u64..) {
        prop_assert_eq!(format!("every:{n}").parse::<TriggerSpec>().unwrap(), TriggerSpec::Every(n));
        prop_assert_eq!(format!("steps:{n}").parse::<TriggerSpec>().unwrap(), TriggerSpec::Steps(n));
        let mut trigger = TriggerSpec::Every(n).to_trigger().unwrap();
        prop_assert!(trigger.fires(0));
        prop_assert!(trigger.fires(n.saturating_mul(3)) == (n.saturating_mul(3) % n == 0));
    }

    #[test]
    fn name_prefixes_are_accepted_exactly_when_plain(prefix in "[a-z./\\\\_-]{0,8}") {
        let plain = !prefix.is_empty()
            && !prefix.contains(['/', '\\'])
            && !prefix.contains("..");
        // Wrapping needs an env, so check through a config with a missing
        // env: validation of the prefix comes first and names it.
        let env = gymrec::make("CartPole-v1", gymrec::RenderMode::RgbArray).unwrap();
        let dir = std::env::temp_dir().join(format!("gymrec-prop-{}", std::process::id()));
        let result = RecordingConfig::new(&dir).name_prefix(&prefix).overwrite(true).wrap(env);
        match result {
            Ok(_) => prop_assert!(plain, "accepted {:?}", prefix),
            Err(err) => {
                prop_assert!(!plain, "rejected {:?}: {}", prefix, err);
                prop_assert!(err.to_string().contains("name_prefix"));
            }
        }
    }

    #[test]
    fn encoder_settings_are_valid_exactly_in_range(
        crf in any::<u8>(),
        threads in prop::option::of(0usize..64),
        preset in prop::sample::select(vec!["ultrafast", "veryfast", "medium", "placebo", "fast!", "", "Medium"]),
        keyframe in prop::option::of(0u32..1000),
    ) {
        let settings = EncoderSettings { preset: preset.to_string(), crf, threads, keyframe_interval: keyframe };
        let valid = crf <= 51 && threads != Some(0) && X264_PRESETS.contains(&preset) && keyframe != Some(0);
        prop_assert_eq!(settings.validate().is_ok(), valid);
    }
}
