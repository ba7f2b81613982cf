//! `gymrec envs`: the registered environments as a table.

use gymrec::RenderMode;
use gymrec::env::Registry;

pub fn run() -> gymrec::Result<()> {
    let registry = Registry::classic();
    let mut rows = vec![[
        "id".to_string(),
        "frame".to_string(),
        "fps".to_string(),
        "steps".to_string(),
        "actions".to_string(),
        "observations".to_string(),
    ]];
    for id in registry.ids() {
        let env = registry.make(id, RenderMode::RgbArray)?;
        let frame = env
            .frame_size()
            .map_or("-".to_string(), |(w, h)| format!("{w}x{h}"));
        let fps = env
            .metadata()
            .render_fps
            .map_or("-".to_string(), |f| f.to_string());
        let steps = env
            .spec()
            .and_then(|s| s.max_episode_steps)
            .map_or("-".to_string(), |s| s.to_string());
        rows.push([
            id.to_string(),
            frame,
            fps,
            steps,
            env.action_space().to_string(),
            env.observation_space().to_string(),
        ]);
    }
    print!("{}", table(&rows));
    Ok(())
}

/// Left-aligned columns separated by two spaces.
pub fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
