"""Deep Q-network on CartPole (gymnasium's ``CartPole-v1``), written with ember's low-level face.

Mnih et al. (2015) with the double-DQN target (van Hasselt et al. 2016): an online MLP
4 → 64 → 64 → 2 and a target copy synced every 500 steps; ε-greedy exploration decaying
1 → 0.05 over the first 10,000 steps; replay memory of 50,000 transitions; one Adam
(lr 3e-4) step on a batch of 64 per environment step after 1,000 warm-up steps; Huber loss;
γ = 0.99. The update is a hand-written loop (``loss.backward()`` + ``optimizer.apply``), as in
PyTorch. Every 2,500 steps 10 greedy episodes are played and the best network so far is kept
(DQN's returns oscillate as training goes on); training stops when they average ≥ 475 (or at
``max_steps``). The kept network then plays 100 fresh greedy test episodes.
Issue 5 target: mean return ≥ 195 over those 100 episodes.

Needs ``pip install gymnasium`` (not an ember dependency).

    python examples/dqn_cartpole.py [--max-steps 60000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ember
from ember import layers, ops


def q_network() -> ember.Sequential:
    return ember.Sequential([ember.Input((4,)), layers.Dense(64, activation="relu"),
                             layers.Dense(64, activation="relu"), layers.Dense(2)])  # fmt: skip


def greedy_returns(env, q, episodes: int, seed: int) -> list:
    """Returns of ``episodes`` greedy episodes (no exploration)."""
    out = []
    for i in range(episodes):
        state, _ = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            with ember.no_grad():
                action = int(np.argmax(q(state[None].astype("float32")).numpy()))
            state, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        out.append(total)
    return out


def td_loss(q, target, batch, gamma: float):
    """Huber loss between ``Q(s, a)`` and the double-DQN target ``r + γ (1 - done) Q_target(s', argmax_a Q(s', a))``."""
    s, a, r, s2, done = batch
    with ember.no_grad():
        best = np.argmax(q(s2).numpy(), axis=1)
        next_q = target(s2).numpy()[np.arange(len(best)), best]
        y = (r + gamma * (1.0 - done) * next_q).astype("float32")
    q_sa = ops.take_along_axis(q(s), ember.tensor(a[:, None]), axis=1)[:, 0]
    d = q_sa - ember.tensor(y)
    small = ops.less(ops.abs(d), 1.0)
    return ops.mean(ops.where(small, 0.5 * d * d, ops.abs(d) - 0.5))


class Replay:
    """A ring buffer of transitions in NumPy arrays."""

    def __init__(self, size: int):
        self.s = np.zeros((size, 4), "float32")
        self.a = np.zeros(size, "int64")
        self.r = np.zeros(size, "float32")
        self.s2 = np.zeros((size, 4), "float32")
        self.done = np.zeros(size, "float32")
        self.size, self.n, self.i = size, 0, 0

    def add(self, s, a, r, s2, done) -> None:
        self.s[self.i], self.a[self.i], self.r[self.i], self.s2[self.i], self.done[self.i] = s, a, r, s2, done
        self.i = (self.i + 1) % self.size
        self.n = min(self.n + 1, self.size)

    def sample(self, rng, batch: int):
        idx = rng.integers(0, self.n, size=batch)
        return self.s[idx], self.a[idx], self.r[idx], self.s2[idx], self.done[idx]


def main(max_steps: int = 60000, eval_episodes: int = 100, seed: int = 0, verbose: int = 1) -> dict:
    """Train the DQN; returns the mean and minimum return of ``eval_episodes`` greedy episodes."""
    try:
        import gymnasium as gym
    except ImportError as err:  # an example dependency only
        raise SystemExit("dqn_cartpole needs gymnasium: pip install gymnasium") from err
    ember.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    env, eval_env = gym.make("CartPole-v1"), gym.make("CartPole-v1")
    q, target = q_network(), q_network()
    target.set_weights(q.get_weights())
    optimizer = ember.optimizers.Adam(3e-4)
    memory = Replay(50000)
    state, _ = env.reset(seed=seed)
    episode_return, returns, start = 0.0, [], time.time()
    best_check, best_weights = -1.0, q.get_weights()
    for step in range(1, max_steps + 1):
        eps = max(0.05, 1.0 - 0.95 * step / 10000)
        if rng.random() < eps:
            action = int(rng.integers(2))
        else:
            with ember.no_grad():
                action = int(np.argmax(q(state[None].astype("float32")).numpy()))
        nxt, reward, terminated, truncated, _ = env.step(action)
        memory.add(state, action, reward, nxt, float(terminated))
        state, episode_return = nxt, episode_return + reward
        if terminated or truncated:
            returns.append(episode_return)
            state, _ = env.reset()
            episode_return = 0.0
        if step > 1000:
            loss = td_loss(q, target, memory.sample(rng, 64), 0.99)
            loss.backward()
            variables = q.trainable_weights
            optimizer.apply([v.grad for v in variables], variables)
            for v in variables:
                v.grad = None
        if step % 500 == 0:
            target.set_weights(q.get_weights())
        if step % 2500 == 0:
            check = float(np.mean(greedy_returns(eval_env, q, 10, seed=10_000 + step)))
            if check >= best_check:
                best_check, best_weights = check, q.get_weights()
            if verbose:
                print(f"step {step}: {len(returns)} episodes, last-20 mean return {np.mean(returns[-20:]):.1f}, "
                      f"greedy check {check:.1f} ({time.time() - start:.0f} s)", flush=True)  # fmt: skip
            if check >= 475:
                break
    q.set_weights(best_weights)
    final = greedy_returns(eval_env, q, eval_episodes, seed=1_000_000)
    result = {"mean_return": float(np.mean(final)), "min_return": float(np.min(final)), "train_steps": step,
              "episodes": len(returns)}  # fmt: skip
    print(f"DQN on CartPole-v1: mean return {result['mean_return']:.1f} (min {result['min_return']:.0f}) over "
          f"{eval_episodes} greedy episodes after {step} steps / {len(returns)} training episodes, "
          f"{time.time() - start:.0f} s")  # fmt: skip
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-steps", type=int, default=60000)
    main(max_steps=parser.parse_args().max_steps)
