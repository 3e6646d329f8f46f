//! This node's "a thread changed" signal: a message was appended or a turn started or
//! ended here. Open streams of the thread wake at once instead of at their next store
//! poll; changes made on other nodes reach them through that poll (`chat::stream`).

use tokio::sync::broadcast;

/// Thread ids that changed. Cheap to clone; a subscriber that lags re-reads the store.
#[derive(Clone)]
pub struct ChatLive {
    changed: broadcast::Sender<String>,
}

impl Default for ChatLive {
    fn default() -> Self {
        let (changed, _) = broadcast::channel(1024);
        ChatLive { changed }
    }
}

impl ChatLive {
    /// Says `thread_id` changed (no one listening is fine).
    pub fn changed(&self, thread_id: &str) {
        let _ = self.changed.send(thread_id.to_owned());
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.changed.subscribe()
    }
}
