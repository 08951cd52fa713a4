// Small stand-ins for expo-video and expo-audio (native players): they record what the app asked for
// and let tests drive playback state.
import { createElement, useState, useSyncExternalStore } from 'react';
import { View } from 'react-native';

type Listener = () => void;

export class FakeAudioPlayer {
  playing = false;
  currentTime = 0;
  duration = 12;
  private listeners = new Set<Listener>();
  constructor(readonly source: unknown) {}
  private changed() {
    this.snapshot = this.makeSnapshot();
    for (const l of [...this.listeners]) l();
  }
  private makeSnapshot() {
    return {
      playing: this.playing,
      currentTime: this.currentTime,
      duration: this.duration,
      didJustFinish: false,
      isLoaded: true,
    };
  }
  snapshot = this.makeSnapshot();
  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
  play = jest.fn(() => {
    this.playing = true;
    this.changed();
  });
  pause = jest.fn(() => {
    this.playing = false;
    this.changed();
  });
  seekTo = jest.fn(async (seconds: number) => {
    this.currentTime = seconds;
    this.changed();
  });
  /** The clip played to its end. */
  finish() {
    this.playing = false;
    this.currentTime = this.duration;
    this.changed();
  }
}

export class FakeVideoPlayer {
  playing = false;
  constructor(readonly source: unknown) {}
  play = jest.fn(() => {
    this.playing = true;
  });
  pause = jest.fn(() => {
    this.playing = false;
  });
}

export const audioPlayers: FakeAudioPlayer[] = [];
export const videoPlayers: FakeVideoPlayer[] = [];

export const audio = {
  useAudioPlayer: jest.fn((source: unknown) => {
    const [player] = useState(() => {
      const p = new FakeAudioPlayer(source);
      audioPlayers.push(p);
      return p;
    });
    return player;
  }),
  useAudioPlayerStatus: jest.fn((player: FakeAudioPlayer) =>
    useSyncExternalStore(player.subscribe, () => player.snapshot),
  ),
  setAudioModeAsync: jest.fn(async () => undefined),
};

export const video = {
  useVideoPlayer: jest.fn((source: unknown, setup?: (player: FakeVideoPlayer) => void) => {
    const [player] = useState(() => {
      const p = new FakeVideoPlayer(source);
      videoPlayers.push(p);
      setup?.(p);
      return p;
    });
    return player;
  }),
  VideoView: (props: Record<string, unknown>) => createElement(View, props),
};

export function resetFakeMedia() {
  audioPlayers.length = 0;
  videoPlayers.length = 0;
}
