//! [`Recorder`]: Gymnasium `RecordVideo`'s recording semantics, fed events.

use super::config::{RecordingConfig, StepVideos};
use super::finishing::{Finished, FinishingQueue, Pending, facts_of};
use super::folder::{LiveMark, existing_video, prepare_folder, refuse_existing};
use super::held::{HeldPictures, Holding, SnapshotReplay};
use super::judging::{Judge, JudgeConfig};
use super::keep::EpisodeEnd;
use super::overlay::OverlayContext;
use super::report::{Outlet, RecordingReport, RecordingSource};
use super::running::{Picture, Settings, Stopped, VideoInProgress, submit};
use super::trigger::Trigger;
use super::video::{EpisodeInVideo, RecordedVideo, VideoStart};
use crate::env::{Frame, Info};
use crate::frame::{FrameRenderer, Snapshot};
use crate::video::{VideoFormat, VideoSpec, VideoWriter};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

mod holding;

/// When the next frame is shown: what the overlay shows and what the
/// video's episode list records.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Moment {
    /// Nothing has happened yet.
    Start,
    /// The frame after a reset.
    Reset,
    /// The frame after the step `id`: its reward (`None` for a step that
    /// began an episode) and whether the recorded episode ended there.
    Step {
        id: u64,
        reward: Option<f64>,
        done: bool,
    },
}

/// Records videos with Gymnasium `RecordVideo`'s semantics from events, for
/// loops that are not [`Env`](crate::env::Env)s (a game engine, a simulator,
/// a Python binding) and as the one implementation under
/// [`RecordingWrapper`](super::RecordingWrapper) and
/// [`VectorRecordingWrapper`](super::VectorRecordingWrapper).
///
/// The caller says what happens: an episode began
/// ([`begin_episode`](Self::begin_episode)), a step was taken
/// ([`step`](Self::step)); the recorder does the rest: Gymnasium's
/// counters and triggers, the running episode's return and length, the
/// video in progress (file names, the writer, overlays, `video_length`),
/// the observers and keep filters, and the report of finished videos and
/// errors. After each event, [`is_recording`](Self::is_recording) says
/// whether a frame is to be captured; the frame is handed over in two calls,
/// [`frame_buffer`](Self::frame_buffer) (a pooled buffer to fill) and
/// [`submit_frame`](Self::submit_frame), so that a caller can release a
/// lock while it fills the buffer. Each video takes its size from its first
/// frame unless the source declares one.
///
/// ```
/// use gymrec::record::{Recorder, RecordingConfig, RecordingSource, Trigger};
/// use gymrec::env::Info;
///
/// # fn main() -> gymrec::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("gymrec-doc-recorder-{}", std::process::id()));
/// let config = RecordingConfig::new(&dir).episode_trigger(Trigger::always()).fps(30).overwrite(true);
/// let mut recorder = Recorder::new(config, RecordingSource::new("bouncing ball"))?;
/// let info = Info::new();
/// for episode in 0..2 {
///     recorder.begin_episode()?;
///     for t in 0..=20u32 {
///         if t > 0 {
///             recorder.step(1.0, t == 20)?;
///         }
///         if let Some(mut frame) = recorder.frame_buffer(64, 48) {
///             frame.fill(0); // black, then the ball
///             frame.put_pixel(3 * t, 24, gymrec::image::Rgb([255, 255, 255]));
///             recorder.submit_frame(frame, &info);
///         }
///     }
/// }
/// let videos = recorder.finish().into_result()?; // the end
/// assert_eq!(videos.len(), 2);
/// assert!(videos[1].facts.path.ends_with("rl-video-episode-1.mp4"));
/// assert_eq!((videos[0].facts.frames, videos[0].episodes[0].length), (21, 20));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
///
/// - `episode_id` counts [`begin_episode`](Self::begin_episode)s and
///   `step_id` counts [`step`](Self::step)s, both from 0.
/// - An episode trigger starts `{prefix}-episode-{id}` at an episode's
///   beginning; with `video_length` 0 the video stops at the next one.
/// - A step trigger starts `{prefix}-step-{id}` after the triggering step.
/// - A trigger firing while a video runs stops that video first.
/// - With [`StepVideos::StableBaselines3`] the step trigger is asked as
///   SB3's `VecVideoRecorder` asks it, with the count of steps taken, at
///   resets too, and names videos `{prefix}-step-{s}-to-step-{s + video_length}`
///   (see [`StepVideos`]).
/// - `video_length = N` gives exactly N frames.
/// - Dropping the recorder finalizes the running video.
///
/// Recording errors (a full disk, an encoder failure, a frame whose size
/// changed) stop that video, are logged, and are kept for the report; the
/// caller's loop goes on. A trigger's own error is returned by the event
/// that asked it (the trigger then counts as not firing).
///
/// **Deferred rendering.** With a renderer ([`set_renderer`](Self::set_renderer)),
/// the caller may hand over a [`Snapshot`] of what the picture is drawn
/// from instead of a frame ([`snapshot_buffer`](Self::snapshot_buffer),
/// [`submit_snapshot`](Self::submit_snapshot)); each video's encoder
/// thread draws them with its own clone of the renderer. The snapshots'
/// queue is bounded by bytes ([`RecordingConfig::snapshot_queue_bytes`]).
///
/// **Videos encode in parallel.** A stopped video finishes encoding on its
/// own thread while the next one records; at most as many videos encode at
/// once as the machine has cores, or [`RecordingConfig::parallel_videos`]
/// (a new video waits for the oldest beyond that). Observers, the report and the index see finished videos in the
/// order they started, at the next event after they are done;
/// [`finish`](Self::finish), [`take_report`](Self::take_report) and
/// dropping the recorder wait for them all.
///
/// **Keeping at episode end.** With a keep rule ([`RecordingConfig::keep`])
/// and something to draw snapshots ([`set_renderer`](Self::set_renderer),
/// [`set_snapshot_replay`](Self::set_snapshot_replay)), a video's snapshots
/// are held, neither drawn nor encoded, until the rule decides: a kept
/// video is drawn and encoded then, a discarded one costs its snapshots
/// alone ([`RecordingConfig::held_snapshot_bytes`] bounds them). A video
/// of frames is encoded as it records; done encoding, it waits under its
/// working name until the rule has
/// judged the episodes that ended in it (at once for most rules; at the end
/// of its window for [`Keep::best`](super::Keep::best) and
/// [`Keep::worst`](super::Keep::worst)); then it is deleted, or given its
/// final name (with its outcome, [`RecordingConfig::outcome_in_name`]) and
/// reported. Videos are still judged and reported in start order, so later
/// videos wait behind one whose window is not over. Retention
/// ([`RecordingConfig::keep_last`], [`RecordingConfig::max_bytes`]) runs
/// after each kept video.
///
/// **Many recorders, one folder.** Recorders in other threads and
/// processes may write the same folder. While it lives, every recorder
/// holds a lock file for it (`flock`ed, in the temporary folder, so that
/// nothing but videos and their catalog is added to the video folder). A video
/// starting while another live recorder writes the folder is named with a
/// worker part, `{prefix}-w{worker}-episode-{id}` (`w` and the process id,
/// or [`RecordingConfig::worker`], which is always used when set), and a
/// warning says so once, so that no recorder overwrites a sibling's video;
/// alone, a recorder names videos as Gymnasium does and, with `overwrite`,
/// the later video of a name wins. A recorder ended in place
/// ([`take_report`](Self::take_report), as the wrappers' `close` does) no
/// longer counts as writing the folder until its next video starts.
///
/// **The end** is [`finish`](Self::finish): it finalizes the running video,
/// waits for every video still encoding and returns the
/// [`RecordingReport`]. A recorder kept where it cannot be moved out (behind
/// a `&mut`, in a `Mutex`, as the wrappers' `Env::close` and the Python
/// binding keep it) ends with [`take_report`](Self::take_report) instead,
/// the same end in place; recording may go on afterwards. Dropping the
/// recorder finalizes everything too, but its errors are only logged.
pub struct Recorder {
    settings: Settings,
    name: String,
    env_id: Option<String>,
    episode_trigger: Option<Trigger>,
    step_trigger: Option<Trigger>,
    episode_id: Option<u64>,
    /// Steps taken so far; the next step's id.
    steps_taken: u64,
    episode: Option<EpisodeProgress>,
    moment: Moment,
    /// A step trigger's error, until the event that asked it returns it.
    trigger_error: Option<Error>,
    /// With [`StepVideos::StableBaselines3`], the last step count of the
    /// last step video's span, through which the step trigger is not asked.
    trigger_rests_until: Option<u64>,
    current: Option<VideoInProgress>,
    /// Stopped videos still encoding, oldest first.
    finishing: FinishingQueue,
    /// What draws snapshots, cloned for each video.
    renderer: Option<Box<dyn FrameRenderer>>,
    /// What draws snapshots on the env's thread ([`Recorder::set_snapshot_replay`]).
    replay: Option<SnapshotReplay>,
    /// The keep rule, names of kept videos, retention.
    judge: Judge,
    /// Snapshots held for the keep rule: the byte bound, a pool.
    holding: Holding,
    /// The last episode that ended at a step, while keep rules or name
    /// suffixes need it, until its last frame is booked.
    last_end: Option<EpisodeEnd>,
    /// The observers, the videos and errors to report.
    out: Outlet,
}

/// The running (recorded) episode: its id, and its return and length so far.
#[derive(Debug, Clone, Copy)]
struct EpisodeProgress {
    id: u64,
    ret: f64,
    length: u64,
}

impl Recorder {
    /// A recorder with `config` for `source`: resolves the fps (the
    /// config's, else the source's `render_fps`, else 30 with a warning) and
    /// the triggers (Gymnasium's capped cubic episode trigger when none is
    /// set), checks the settings and that the format can encode such
    /// frames, and prepares the folder (refusing one that holds videos of
    /// this prefix unless `overwrite`, partial ones too). Then it gives the
    /// partial videos left in the folder by recorders that died their final
    /// names and reports them, marked incomplete ([`recover`](super::recover)).
    pub fn new(config: RecordingConfig, source: RecordingSource) -> Result<Self> {
        let mut recorder = Recorder::open(config, source)?;
        recorder.recover_partials();
        Ok(recorder)
    }

    /// [`new`](Self::new) but for the recovery.
    fn open(config: RecordingConfig, source: RecordingSource) -> Result<Self> {
        config.validate()?;
        let fps = resolve_fps(config.fps.or(source.render_fps), &source.name)?;
        let (episode_trigger, step_trigger) = match (config.episode_trigger, config.step_trigger) {
            (None, None) => (Some(Trigger::capped_cubic()), None),
            pair => pair,
        };
        // Without a declared size, check everything but the size now; each
        // video's size is checked at its first frame.
        let (width, height) = source.frame_size.unwrap_or((1, 1));
        crate::video::check(
            config.format,
            &VideoSpec::new(width, height, fps),
            &config.encoder,
        )?;
        prepare_folder(&config.video_folder)?;
        if !config.overwrite {
            refuse_existing(&config.video_folder, &config.name_prefix, config.format)?;
        }
        let mark = LiveMark::new(&config.video_folder)?;
        let judge = Judge::new(JudgeConfig {
            keep: config.keep,
            name_suffix: config.name_suffix,
            outcome_in_name: config.outcome_in_name,
            retention: config.retention,
            folder: config.video_folder.clone(),
            name_prefix: config.name_prefix.clone(),
            format: config.format,
            overwrite: config.overwrite,
        });
        Ok(Recorder {
            settings: Settings {
                folder: config.video_folder,
                name_prefix: config.name_prefix,
                video_length: config.video_length,
                fps,
                frame_size: source.frame_size,
                encoder: config.encoder,
                format: config.format,
                overlay: config.overlay,
                overwrite: config.overwrite,
                worker: config.worker.map(|w| w.to_string()),
                step_videos: config.step_videos,
                mark: Some(mark),
                warned_siblings: false,
                queue_capacity: config.queue_capacity,
                snapshot_queue_bytes: config.snapshot_queue_bytes,
            },
            name: source.name,
            env_id: source.env_id,
            episode_trigger,
            step_trigger,
            episode_id: None,
            steps_taken: 0,
            episode: None,
            moment: Moment::Start,
            trigger_error: None,
            trigger_rests_until: None,
            current: None,
            finishing: FinishingQueue::new(
                config
                    .parallel_videos
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            ),
            renderer: None,
            replay: None,
            judge,
            holding: Holding::new(config.held_snapshot_bytes),
            last_end: None,
            out: Outlet::new(config.observers),
        })
    }

    /// Recovers the partial videos recorders that died left in the folder
    /// (see [`recover`](super::recover)) and reports them, incomplete, as
    /// videos of this recorder: the observers write their sidecars and
    /// index lines, upload them, … Nothing stops recording: a folder that
    /// cannot be read is warned about.
    fn recover_partials(&mut self) {
        match super::recover(&self.settings.folder) {
            Ok(videos) => videos.into_iter().for_each(|video| self.out.report(video)),
            Err(err) => log::warn!("partial videos of recorders that died not recovered: {err}"),
        }
    }

    /// The first file in `config`'s folder named like a video of its
    /// `name_prefix` and format (what [`RecordingConfig::overwrite`]`(false)`
    /// refuses), without making a recorder; `None` when there is none or
    /// the folder does not exist yet.
    pub fn existing_video(config: &RecordingConfig) -> Result<Option<PathBuf>> {
        existing_video(&config.video_folder, &config.name_prefix, config.format)
    }

    /// Whether a video is being recorded now, so that a frame is wanted for
    /// the moment of the last event.
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.current.is_some()
    }

    /// Sets what draws the snapshots handed over with
    /// [`submit_snapshot`](Self::submit_snapshot) (deferred rendering), for
    /// videos opened from now on; `None` takes frames only. The wrappers
    /// set their env's [`Env::frame_renderer`](crate::env::Env::frame_renderer) unless
    /// [`RecordingConfig::deferred_rendering`] is off.
    ///
    /// ```
    /// use gymrec::env::{Env, Info, RenderMode};
    /// use gymrec::env::classic::CartPole;
    /// use gymrec::record::{Recorder, RecordingConfig, RecordingSource, Trigger};
    ///
    /// # fn main() -> gymrec::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("gymrec-doc-snapshots-{}", std::process::id()));
    /// let mut env = CartPole::new(RenderMode::RgbArray);
    /// let config = RecordingConfig::new(&dir).episode_trigger(Trigger::always()).overwrite(true);
    /// let mut recorder = Recorder::new(config, RecordingSource::of_env(&env))?;
    /// recorder.set_renderer(env.frame_renderer());
    /// env.reset(Some(3))?;
    /// recorder.begin_episode()?;
    /// for t in 0..=10 {
    ///     if t > 0 {
    ///         let step = env.step(t % 2)?;
    ///         recorder.step(step.reward, t == 10)?;
    ///     }
    ///     if let Some(mut snapshot) = recorder.snapshot_buffer(600, 400) {
    ///         env.snapshot_into(&mut snapshot)?; // four numbers; drawn on the encoder thread
    ///         recorder.submit_snapshot(snapshot, &Info::new());
    ///     }
    /// }
    /// let videos = recorder.finish().into_result()?;
    /// assert_eq!(videos[0].facts.frames, 11);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_renderer(&mut self, renderer: Option<Box<dyn FrameRenderer>>) {
        self.renderer = renderer;
    }

    /// Sets what draws snapshots into frames on the calling (env's)
    /// thread, for snapshots an env's own renderer must draw (an OpenGL
    /// context, the env's own data: a Python MuJoCo env sets its physics
    /// state, renders and restores it); `None` removes it. It takes
    /// precedence over [`set_renderer`](Self::set_renderer)'s renderer.
    ///
    /// With a keep rule ([`RecordingConfig::keep`]) snapshots are held
    /// until the rule decides, and only a kept video's are replayed, each
    /// into a pooled frame of the size the snapshot was taken for, at the
    /// event that decides (a step, a reset, the report); without one each
    /// snapshot is replayed as it is submitted. An error from the replay
    /// stops its video and is reported.
    ///
    /// ```
    /// use gymrec::env::Info;
    /// use gymrec::record::{Keep, Recorder, RecordingConfig, RecordingSource, Success, Trigger};
    /// use gymrec::video::VideoFormat;
    ///
    /// # fn main() -> gymrec::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("gymrec-doc-replay-{}", std::process::id()));
    /// let config = RecordingConfig::new(&dir)
    ///     .episode_trigger(Trigger::always())
    ///     .keep(Keep::failures(Success::Truncated)) // only episodes that terminate
    ///     .format(VideoFormat::Gif)
    ///     .overwrite(true);
    /// let mut recorder = Recorder::new(config, RecordingSource::new("grey levels"))?;
    /// // The "env state" is one byte, drawn as a grey level.
    /// recorder.set_snapshot_replay(Some(Box::new(|snapshot, frame| {
    ///     frame.fill(snapshot.as_bytes()[0]);
    ///     Ok(())
    /// })));
    /// for episode in 0..4u8 {
    ///     recorder.begin_episode()?;
    ///     for t in 0..=5 {
    ///         if t > 0 {
    ///             recorder.step_ended(1.0, t == 5 && episode == 2, t == 5 && episode != 2, &Info::new())?;
    ///         }
    ///         if let Some(mut snapshot) = recorder.snapshot_buffer(32, 16) {
    ///             snapshot.push_bytes(&[40 * episode + t]);
    ///             recorder.submit_snapshot(snapshot, &Info::new());
    ///         }
    ///     }
    /// }
    /// let videos = recorder.finish().into_result()?;
    /// assert_eq!(videos.len(), 1); // episode 2's: the others were never drawn
    /// assert!(videos[0].facts.path.ends_with("rl-video-episode-2.gif"));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_snapshot_replay(&mut self, replay: Option<SnapshotReplay>) {
        self.replay = replay;
    }

    /// Whether snapshots can be handed over: a renderer or a replay is set.
    #[inline]
    pub fn renders_snapshots(&self) -> bool {
        self.renderer.is_some() || self.replay.is_some()
    }

    /// The id of the current episode (`None` before the first one).
    pub fn episode_id(&self) -> Option<u64> {
        self.episode_id
    }

    /// The id of the last step taken (`None` before the first step).
    pub fn step_id(&self) -> Option<u64> {
        self.steps_taken.checked_sub(1)
    }

    /// The folder videos are written into.
    pub fn video_folder(&self) -> &Path {
        &self.settings.folder
    }

    /// Frames per second of the videos.
    pub fn fps(&self) -> u32 {
        self.settings.fps
    }

    /// The kind of file the videos are written as.
    pub fn format(&self) -> VideoFormat {
        self.settings.format
    }

    /// How errors and warnings name what is recorded.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The videos finished so far and not yet taken by
    /// [`take_report`](Self::take_report); videos still encoding in the
    /// background are not among them yet.
    pub fn videos(&self) -> &[RecordedVideo] {
        &self.out.videos
    }

    /// The errors met so far and not yet taken by
    /// [`take_report`](Self::take_report).
    pub fn errors(&self) -> &[Error] {
        &self.out.errors
    }

    /// The end: finalizes the running video, if any, waits until every
    /// stopped video is encoded, and returns every video written and every
    /// error met that no [`take_report`](Self::take_report) took.
    pub fn finish(mut self) -> RecordingReport {
        self.take_report()
    }

    /// [`finish`](Self::finish) in place, for a recorder that cannot be
    /// moved out of where it is kept (behind a `&mut`, in a `Mutex`):
    /// finalizes the running video, waits until every stopped video is
    /// encoded, and takes every video and error not yet reported. The
    /// recorder may go on recording afterwards, and a later call reports
    /// only what came since.
    pub fn take_report(&mut self) -> RecordingReport {
        self.settle();
        // Ended: no longer writing the folder until the next video.
        self.settings.mark = None;
        self.out.flush();
        self.out.take()
    }

    /// Stops the running video, ends the keep rule's windows, and waits
    /// until every stopped video is written and judged.
    fn settle(&mut self) {
        self.stop_recording();
        self.judge.end_windows();
        self.collect_finished(true);
        self.judge.judge(&mut self.out);
    }

    /// An episode begins (a reset): counts it, stops a whole-episode video,
    /// and asks the episode trigger, which may start a video whose first
    /// frame is the one after this event; with
    /// [`StepVideos::StableBaselines3`], asks the step trigger too, with
    /// the count of steps taken.
    ///
    /// Errors only with a trigger's own error (see [`Trigger::try_new`]);
    /// the episode is counted all the same.
    pub fn begin_episode(&mut self) -> Result<()> {
        self.moment = Moment::Reset;
        let began = self.count_episode();
        let count = self.steps_taken;
        let fires = match (self.settings.step_videos, self.step_trigger.as_mut()) {
            (StepVideos::StableBaselines3, Some(trigger)) => trigger.try_fires(count),
            _ => Ok(false),
        };
        began?;
        if fires? {
            self.start_step_video(count);
        }
        Ok(())
    }

    /// An episode began at the step just counted, with no reset of its own
    /// (a vector env's same-step autoreset, as Stable-Baselines3's vector
    /// envs do: the step's frame shows the new episode's first
    /// observation): counts the episode, stops a whole-episode video and
    /// asks the episode trigger, as [`begin_episode`](Self::begin_episode)
    /// does, but never the step trigger.
    ///
    /// Errors only with the episode trigger's own error.
    pub fn begin_episode_at_step(&mut self) -> Result<()> {
        self.count_episode()
    }

    /// Counts an episode beginning, stops a whole-episode video and asks the
    /// episode trigger.
    fn count_episode(&mut self) -> Result<()> {
        let episode_id = self.episode_id.map_or(0, |id| id + 1);
        self.episode_id = Some(episode_id);
        self.episode = Some(EpisodeProgress {
            id: episode_id,
            ret: 0.0,
            length: 0,
        });
        if self.last_end.is_some() {
            self.attach_unframed_end();
        }
        if self.current.is_some() && self.settings.video_length == 0 {
            self.stop_recording();
        }
        if self.judge.has_rule() {
            self.keep_episode_began(episode_id);
        }
        if !self.finishing.is_empty() {
            self.collect_finished(false);
        }
        if let Some(trigger) = self.episode_trigger.as_mut() {
            if trigger.try_fires(episode_id)? {
                self.start_recording(VideoStart::Episode(episode_id));
            }
        }
        Ok(())
    }

    /// Gives the running video the end of an episode it shows whose last
    /// frame never came: with a same-step autoreset (SB3's VecEnvs,
    /// Gymnasium's vector envs in that mode) the frame after the ending
    /// step is already the next episode's first, so the end is booked here,
    /// as the next episode begins, for the keep rule and names.
    #[cold]
    fn attach_unframed_end(&mut self) {
        let Some(video) = self.current.as_mut() else {
            return;
        };
        let Some(end) = self.last_end.take() else {
            return;
        };
        if video.episodes.iter().any(|e| e.episode == end.id) {
            video.ends.push(end);
        }
    }

    /// A step was taken with `reward`; `done` when the episode ended at it
    /// (terminated or truncated). Counts it, adds to the episode, and asks
    /// the step trigger. Returns the step's id.
    ///
    /// Errors only with the step trigger's own error; the step is counted
    /// all the same.
    #[inline]
    /// For a keep rule ([`RecordingConfig::keep`]) a `done` episode
    /// counts as terminated, with an empty info; [`step_ended`](Self::step_ended)
    /// tells them apart.
    pub fn step(&mut self, reward: f64, done: bool) -> Result<u64> {
        self.step_ended(reward, done, false, &Info::new())
    }

    /// [`step`](Self::step) with Gymnasium's `terminated`, `truncated` and
    /// `info`, so that keep rules and name suffixes see how an episode
    /// ended ([`EpisodeEnd`](super::EpisodeEnd)); the episode ends when
    /// either flag is set. The info is copied only at an episode's end,
    /// and only when a keep rule or a name suffix is set.
    pub fn step_ended(
        &mut self,
        reward: f64,
        terminated: bool,
        truncated: bool,
        info: &Info,
    ) -> Result<u64> {
        let (step_id, _) = self.count_step(reward, (terminated, truncated), Some(info), false);
        match self.trigger_error.take() {
            None => Ok(step_id),
            Some(err) => Err(err),
        }
    }

    /// [`step_ended`](Self::step_ended) for the wrappers, which report a
    /// trigger's error instead of returning it: between videos this is the
    /// counters and two branches.
    /// Returns whether the step ended an episode whose info the keep rule
    /// or name suffixes want: then pass it to [`end_info`](Self::end_info).
    #[inline]
    pub(crate) fn step_reporting_errors(&mut self, reward: f64, ended: (bool, bool)) -> bool {
        self.count_step(reward, ended, None, true).1
    }

    /// The info of the step that ended the episode, for the keep rule and
    /// name suffixes (after [`step_reporting_errors`](Self::step_reporting_errors));
    /// lent by value and given back, so that the wrappers' step keeps no
    /// reference into its result.
    #[cold]
    #[inline(never)]
    pub(crate) fn end_info(&mut self, info: Info) -> Info {
        if let Some(end) = self.last_end.as_mut() {
            end.info.clone_from(&info);
        }
        info
    }

    /// Counts a step that `ended` (terminated, truncated) the episode or
    /// not; a step trigger's error is reported (`report`) or kept for the
    /// caller. Returns the step's id and whether the episode's end was
    /// booked for the keep rule or names without `info` (see
    /// [`end_info`](Self::end_info)).
    #[inline]
    fn count_step(
        &mut self,
        reward: f64,
        ended: (bool, bool),
        info: Option<&Info>,
        report: bool,
    ) -> (u64, bool) {
        let step_id = self.steps_taken;
        self.steps_taken += 1;
        let done = ended.0 || ended.1;
        let mut booked = false;
        if let Some(ep) = self.episode.as_mut() {
            ep.ret += reward;
            ep.length += 1;
            if done {
                let ep = *ep;
                booked = self.episode_finished(ep, ended, info) && info.is_none();
            }
        }
        self.ask_step_trigger(step_id, report);
        // A stopped video done encoding gets its final name (and its
        // observers hear of it) at the next step, not the next episode.
        if !self.finishing.is_empty() {
            self.collect_finished(false);
        }
        // Only a running video reads the moment: between videos a step
        // stores nothing more.
        if self.current.is_some() {
            self.moment = Moment::Step {
                id: step_id,
                reward: Some(reward),
                done,
            };
        }
        (step_id, booked)
    }

    /// A step was taken that began a new episode instead of going on with
    /// the last one (a vector env's next-step autoreset of the recorded
    /// sub-env): counts the step and the episode, as Gymnasium's vector
    /// `RecordVideo` does. Returns the step's id.
    ///
    /// Errors only with a trigger's own error.
    pub fn autoreset_step(&mut self) -> Result<u64> {
        let step_id = self.steps_taken;
        self.steps_taken += 1;
        let began = self.begin_episode();
        self.moment = Moment::Step {
            id: step_id,
            reward: None,
            done: false,
        };
        self.ask_step_trigger(step_id, false);
        began?;
        match self.trigger_error.take() {
            None => Ok(step_id),
            Some(err) => Err(err),
        }
    }

    /// Asks the step trigger about `step_id`; its error is reported
    /// (`report`) or kept in `trigger_error` for the caller.
    #[inline]
    fn ask_step_trigger(&mut self, step_id: u64, report: bool) {
        if let Some(trigger) = self.step_trigger.as_mut() {
            let asked = match self.settings.step_videos {
                StepVideos::Gymnasium => step_id,
                StepVideos::StableBaselines3 => {
                    let count = step_id + 1;
                    let resting = self.trigger_rests_until.is_some_and(|end| count <= end);
                    if self.current.is_some() || resting {
                        return;
                    }
                    count
                }
            };
            match trigger.try_fires(asked) {
                Ok(false) => {}
                Ok(true) => self.start_step_video(asked),
                Err(err) => self.trigger_failed(err, report),
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn trigger_failed(&mut self, err: Error, report: bool) {
        if report {
            self.fail(err);
        } else {
            self.trigger_error = Some(err);
        }
    }

    /// Starts `{prefix}-step-{step_id}`; out of line, so that the step path
    /// stays small enough to inline into the caller's loop.
    #[cold]
    #[inline(never)]
    fn start_step_video(&mut self, step_id: u64) {
        if self.settings.step_videos == StepVideos::StableBaselines3 {
            self.trigger_rests_until = Some(step_id.saturating_add(self.settings.video_length));
        }
        self.start_recording(VideoStart::Step(step_id));
    }

    /// A frame buffer of `width` × `height` to draw the frame for the last
    /// event into, then hand to [`submit_frame`](Self::submit_frame); `None`
    /// when no frame is wanted.
    ///
    /// The buffer comes from the writer's pool and holds whatever picture
    /// it held before (the fast path:
    /// [`VideoWriter::recycled_buffer`]; the caller overwrites every pixel);
    /// clear it first (`frame.fill(0)`) if you draw only part of it. The first frame of a
    /// video without a declared size opens its file at this size. A size
    /// other than the video's stops the video with [`Error::FrameSize`]
    /// (reported) and returns `None`.
    pub fn frame_buffer(&mut self, width: u32, height: u32) -> Option<Frame> {
        Some(self.writer_for(width, height)?.recycled_buffer())
    }

    /// An empty [`Snapshot`] to write what the frame for the last event is
    /// drawn from, then hand to [`submit_snapshot`](Self::submit_snapshot);
    /// `None` when no frame is wanted. `width` × `height` is the size of
    /// the frames the renderer draws, as for
    /// [`frame_buffer`](Self::frame_buffer). The snapshot comes from the
    /// writer's pool, cleared, with its capacity kept.
    pub fn snapshot_buffer(&mut self, width: u32, height: u32) -> Option<Snapshot> {
        let video = self.current.as_ref()?;
        if video.writer.is_none() && self.holds() {
            return self.held_buffer(width, height);
        }
        Some(self.writer_for(width, height)?.snapshot_buffer())
    }

    /// The running video's writer for frames of `width` × `height`: opens
    /// it at that size when the video has none yet (drawing the snapshots
    /// it held so far into it); `None` (the video stopped, the error
    /// reported) when it cannot be opened or the size is not the video's.
    fn writer_for(&mut self, width: u32, height: u32) -> Option<&mut VideoWriter> {
        let video = self.current.as_mut()?;
        let size = match (&video.writer, &video.held) {
            (Some((writer, _)), _) => Some((writer.spec().width, writer.spec().height)),
            (None, held) => held.as_ref().map(HeldPictures::size),
        };
        if let Some(expected) = size.filter(|&size| size != (width, height)) {
            let err = Error::FrameSize {
                path: video.path.clone(),
                expected,
                got: (width, height),
            };
            self.stop_recording();
            self.fail(err);
            return None;
        }
        if video.writer.is_none() {
            let spec = VideoSpec::new(width, height, self.settings.fps);
            let path = video.path.clone();
            match self.open_writer(&path, spec) {
                Ok(writer) => self.current.as_mut()?.writer = Some(writer),
                Err(err) => {
                    if let Some(held) = self.current.take().and_then(|v| v.held) {
                        self.holding.discard(held);
                    }
                    self.fail(err);
                    return None;
                }
            }
            self.unhold()?;
        }
        self.current
            .as_mut()?
            .writer
            .as_mut()
            .map(|(writer, _)| writer)
    }

    /// Hands over the frame for the last event, filled from
    /// [`frame_buffer`](Self::frame_buffer); `info` is what the env said
    /// with it (the overlay's text function sees it). Books it into the
    /// running video and stops the video after `video_length` frames. An
    /// error stops the video and is reported.
    pub fn submit_frame(&mut self, frame: Frame, info: &Info) {
        self.hand_over(Picture::Frame(frame), info);
    }

    /// Hands over the snapshot for the last event, filled from
    /// [`snapshot_buffer`](Self::snapshot_buffer): the renderer draws it on
    /// the encoder thread; then as [`submit_frame`](Self::submit_frame).
    /// Without a renderer the video stops with [`Error::NoRenderer`]
    /// (reported).
    pub fn submit_snapshot(&mut self, snapshot: Snapshot, info: &Info) {
        self.hand_over(Picture::Snapshot(snapshot), info);
    }

    /// Sends a picture to the running video's writer with its overlay
    /// text, and books it.
    fn hand_over(&mut self, picture: Picture, info: &Info) {
        let Some(video) = self.current.as_mut() else {
            return;
        };
        let (step_id, reward, episode_done) = match self.moment {
            Moment::Step { id, reward, done } => (Some(id), reward, done),
            Moment::Start | Moment::Reset => (None, None, false),
        };
        let context = OverlayContext {
            episode: self.episode.map(|ep| ep.id),
            episode_step: self.episode.map_or(0, |ep| ep.length),
            step_id,
            ret: self.episode.map_or(0.0, |ep| ep.ret),
            reward,
            info,
        };
        let handed = match (video.writer.as_mut(), video.held.as_mut(), picture) {
            (Some((writer, _)), _, picture) => {
                let text = self.settings.overlay.as_mut().map(|overlay| {
                    let mut text = writer.label();
                    overlay.fill(&context, &mut text);
                    text
                });
                match submit(writer, picture, text, self.replay.as_mut()) {
                    Ok(()) => Ok(()),
                    Err((err, true)) => {
                        // The writer is dead: finishing it reports the same
                        // failure, so keep only the first error; what its
                        // file holds is reported in start order.
                        self.fail(err);
                        if let Some(video) = self.current.take() {
                            self.finalize_failed(video);
                        }
                        return;
                    }
                    Err((err, false)) => Err(err),
                }
            }
            (None, Some(held), Picture::Snapshot(snapshot)) => {
                let text = self.settings.overlay.as_mut().map(|overlay| {
                    let mut text = String::new();
                    overlay.fill(&context, &mut text);
                    text
                });
                held.push(&mut self.holding, snapshot, text)
            }
            _ => return,
        };
        if let Err(err) = handed {
            self.stop_recording();
            self.fail(err);
            return;
        }
        self.frame_captured(step_id, episode_done);
    }

    /// Captures the frame for the last event, when one is wanted: `render`
    /// draws it into a `size` buffer from the pool (whose old picture it
    /// must overwrite); then as [`submit_frame`](Self::submit_frame). An
    /// error from `render` stops the video and is reported.
    #[inline]
    pub fn capture(
        &mut self,
        size: (u32, u32),
        render: impl FnOnce(&mut Frame) -> Result<()>,
        info: &Info,
    ) {
        if self.current.is_some() {
            self.capture_into_video(size, render, info);
        }
    }

    /// [`Recorder::capture`] once a video is known to be running; kept out
    /// of line so that steps with no video running cost only a branch.
    #[inline(never)]
    fn capture_into_video(
        &mut self,
        (width, height): (u32, u32),
        render: impl FnOnce(&mut Frame) -> Result<()>,
        info: &Info,
    ) {
        let frame = self.frame_buffer(width, height);
        self.fill_and_hand_over(frame, render, Picture::Frame, info);
    }

    /// Fills the buffer the running video gave (`None`: no frame is wanted
    /// after all) with `fill` and hands it over as `picture`; an error from
    /// `fill` stops the video and is reported.
    fn fill_and_hand_over<B>(
        &mut self,
        buffer: Option<B>,
        fill: impl FnOnce(&mut B) -> Result<()>,
        picture: fn(B) -> Picture,
        info: &Info,
    ) {
        let Some(mut buffer) = buffer else {
            return;
        };
        if let Err(err) = fill(&mut buffer) {
            self.stop_recording();
            self.fail(err);
            return;
        }
        self.hand_over(picture(buffer), info);
    }

    /// Captures a snapshot for the last event, when a frame is wanted:
    /// `fill` writes what the frame is drawn from into an empty pooled
    /// snapshot (an env's [`Env::snapshot_into`](crate::env::Env::snapshot_into)), for frames of `size`;
    /// then as [`submit_snapshot`](Self::submit_snapshot). An error from
    /// `fill` stops the video and is reported.
    #[inline]
    pub fn capture_snapshot(
        &mut self,
        size: (u32, u32),
        fill: impl FnOnce(&mut Snapshot) -> Result<()>,
        info: &Info,
    ) {
        if self.current.is_some() {
            self.capture_snapshot_into_video(size, fill, info);
        }
    }

    /// [`Recorder::capture_snapshot`] once a video is known to be running.
    #[inline(never)]
    fn capture_snapshot_into_video(
        &mut self,
        (width, height): (u32, u32),
        fill: impl FnOnce(&mut Snapshot) -> Result<()>,
        info: &Info,
    ) {
        let snapshot = self.snapshot_buffer(width, height);
        self.fill_and_hand_over(snapshot, fill, Picture::Snapshot, info);
    }

    /// Tells the observers an episode ended at a step (recorded or not),
    /// and books it for the keep rule and names when they want it
    /// (returns whether).
    #[inline(never)]
    fn episode_finished(
        &mut self,
        ep: EpisodeProgress,
        (terminated, truncated): (bool, bool),
        info: Option<&Info>,
    ) -> bool {
        for observer in &mut self.out.observers {
            observer.episode_finished(ep.id, ep.ret, ep.length);
        }
        if !self.judge.wants_ends() {
            return false;
        }
        let end = EpisodeEnd {
            id: ep.id,
            ret: ep.ret,
            length: ep.length,
            terminated,
            truncated,
            info: info.cloned().unwrap_or_default(),
        };
        self.judge.episode_ended(&end);
        self.last_end = Some(end);
        true
    }

    /// Keeps `err` for the report (and logs it), for errors met around the
    /// recorder, such as a trigger's.
    pub(crate) fn report_error(&mut self, err: Error) {
        self.fail(err);
    }

    /// Books a submitted frame: the episode it shows (ended at this frame
    /// when `episode_done`), the step range, and the stop after
    /// `video_length` frames.
    fn frame_captured(&mut self, step_id: Option<u64>, episode_done: bool) {
        let Some(video) = self.current.as_mut() else {
            return;
        };
        video.frames += 1;
        if let Some(ep) = self.episode {
            match video.episodes.last_mut() {
                Some(last) if last.episode == ep.id => {
                    last.ret = ep.ret;
                    last.length = ep.length;
                    last.complete = episode_done;
                }
                _ => video.episodes.push(EpisodeInVideo {
                    episode: ep.id,
                    ret: ep.ret,
                    length: ep.length,
                    complete: episode_done,
                }),
            }
            if episode_done {
                if let Some(end) = self.last_end.take().filter(|end| end.id == ep.id) {
                    video.ends.push(end);
                }
            }
        }
        if let Some(id) = step_id {
            video.steps = Some((video.steps.map_or(id, |(first, _)| first), id));
        }
        if self.settings.video_length > 0 && video.frames >= self.settings.video_length {
            self.stop_recording();
        }
    }

    fn start_recording(&mut self, started_by: VideoStart) {
        self.stop_recording();
        // At most so many videos encode at once, this one included (a held
        // one encodes nothing yet).
        let holds = self.holds();
        while let Some(oldest) = self.finishing.next_over_limit(!holds) {
            self.complete(oldest);
        }
        self.collect_finished(false);
        let name = self.settings.video_name(started_by);
        let path = self
            .settings
            .folder
            .join(self.settings.format.file_name(&name));
        if !self.settings.overwrite && path.exists() {
            self.fail(Error::AlreadyExists {
                path,
                advice: "it was written by someone else since the wrapper was made, so it is \
                         not recorded; set overwrite(true) to replace such files"
                    .into(),
            });
            return;
        }
        // With a declared frame size the file is opened now, so that an
        // open error is met before the first frame; a held video opens
        // none until it is kept.
        let writer = match (self.settings.frame_size, holds) {
            (Some((width, height)), false) => {
                let spec = VideoSpec::new(width, height, self.settings.fps);
                match self.open_writer(&path, spec) {
                    Ok(writer) => Some(writer),
                    Err(err) => return self.fail(err),
                }
            }
            _ => None,
        };
        for observer in &mut self.out.observers {
            observer.video_started(&path, started_by);
        }
        self.current = Some(VideoInProgress {
            path,
            writer,
            frames: 0,
            started_by,
            started_at: SystemTime::now(),
            episodes: Vec::new(),
            steps: None,
            ends: Vec::new(),
            fps: self.settings.fps,
            held: None,
        });
    }

    fn stop_recording(&mut self) {
        if let Some(video) = self.current.take() {
            self.finalize(video);
        }
    }

    /// Closes the video's queue and lets its encoder thread finish it in
    /// the background (a held video waits for the keep rule); it is judged
    /// and reported, in start order, once done
    /// ([`collect_finished`](Self::collect_finished)). A video that never
    /// got a frame (and so has no file) is dropped.
    fn finalize(&mut self, video: VideoInProgress) {
        match video.book() {
            Some(Stopped::Written(writer, booked)) => {
                let pending = Pending::Encoding(writer.finish_in_background());
                self.finishing.push(pending, booked);
            }
            Some(Stopped::Held(held, booked)) => self.finishing.push_held(held, booked),
            None => {}
        }
    }

    /// Closes the file of a video whose writer failed (its error was
    /// reported) and queues it, so that what the file holds is reported.
    fn finalize_failed(&mut self, video: VideoInProgress) {
        match video.book() {
            Some(Stopped::Written(writer, booked)) => {
                // The same failure again: reported already.
                let _ = writer.finish();
                self.finishing.push(Pending::Failed, booked);
            }
            Some(Stopped::Held(held, _)) => self.holding.discard(held),
            None => {}
        }
    }

    /// Judges and reports the stopped videos that are done encoding, oldest
    /// first, stopping at the first still encoding or held (so reports
    /// stay in start order); with `wait`, waits for them all. Held videos
    /// the keep rule has decided are drawn and encoded, or discarded,
    /// first.
    fn collect_finished(&mut self, wait: bool) {
        loop {
            if self.finishing.has_held() {
                self.decide_held();
            }
            let Some(finished) = self.finishing.next_done(wait) else {
                return;
            };
            self.complete(finished);
        }
    }

    /// Books a video done encoding under its working name (a video cut
    /// short by an error is reported with that error, as incomplete with
    /// what its file holds, if anything) and judges what waits.
    fn complete(&mut self, finished: Finished) {
        let Finished { outcome, booked } = finished;
        let Some((facts, incomplete)) = facts_of(outcome, &booked, &mut self.out) else {
            return;
        };
        log::debug!(
            "video {} finished: {} frames",
            facts.path.display(),
            facts.frames
        );
        let video = RecordedVideo {
            facts,
            env_id: self.env_id.clone(),
            trigger: self.trigger_kind(booked.started_by),
            started_by: booked.started_by,
            episodes: booked.episodes.clone(),
            steps: booked.steps,
            started_at: booked.started_at,
            finished_at: booked.stopped_at,
            incomplete,
            outcome: None,
            recorded_as: None,
        };
        self.judge.push(video, booked, &mut self.out);
    }

    /// The keep rule hears that episode `id` began (ending the windows
    /// before its own), and may forget windows no video waiting can need.
    #[cold]
    fn keep_episode_began(&mut self, id: u64) {
        let oldest = [
            self.finishing.oldest_episode(),
            self.current
                .as_ref()
                .and_then(|v| v.episodes.first().map(|e| e.episode)),
        ]
        .into_iter()
        .flatten()
        .min();
        self.judge.episode_began(id, oldest, &mut self.out);
    }

    /// The kind of the trigger that started a video (`"custom"` for a
    /// closure).
    fn trigger_kind(&self, started_by: VideoStart) -> String {
        match started_by {
            VideoStart::Episode(_) => self.episode_trigger.as_ref(),
            VideoStart::Step(_) => self.step_trigger.as_ref(),
        }
        .map_or_else(|| "custom".to_string(), |t| t.kind().to_string())
    }

    fn fail(&mut self, err: Error) {
        self.out.fail(err);
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("name", &self.name)
            .field("settings", &self.settings)
            .field("episode_id", &self.episode_id())
            .field("step_id", &self.step_id())
            .field("recording", &self.is_recording())
            .finish_non_exhaustive()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.settle();
        for err in &self.out.errors {
            log::warn!("recording error not collected by finish(): {err}");
        }
    }
}

/// The video fps: the configured or declared one, else 30 with a warning;
/// a declared 0 is an error naming `name`.
fn resolve_fps(fps: Option<u32>, name: &str) -> Result<u32> {
    match fps {
        Some(0) => Err(Error::ZeroRenderFps {
            env: name.to_string(),
        }),
        Some(fps) => Ok(fps),
        None => {
            log::warn!(
                "{name} has no render_fps in its metadata and no fps was set; \
                 recording at 30 fps"
            );
            Ok(30)
        }
    }
}
