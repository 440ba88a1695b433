package org.conceptscope.bench;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * How one row is timed: a method, its floor and its own-work replay run in rounds, one of each
 * per round, the one going first rotating from round to round, until there have been at least
 * {@link Rule#minRounds} rounds and the method and the floor have each run long enough that their
 * runs, each at its best time so far, add up to {@link Rule#minMs}; no more than {@link
 * Rule#maxRounds} rounds, and no new round after {@link Rule#maxMs} of rounds once the least number
 * is reached. Method and floor always get the same number of runs, so the same statistic of each is
 * compared: a row whose floor takes 2 ms gets about 250 runs of each instead of 7, and its ratio no
 * longer depends on which side one scheduling delay happened to hit. The count follows the best
 * times, not the sum of all times, so that other processes' load, which lengthens runs, does not
 * cut the number of runs short. The reported time of each side is its minimum: on a shared machine
 * other processes only ever add time.
 */
final class Timing {

	/**
	 * @param minRounds at least this many runs of each side
	 * @param minMs and runs of the method and of the floor until (runs x best time) reaches this, each (ms)
	 * @param maxRounds but no more runs than this
	 * @param maxMs and no new round after this much wall time of rounds once {@code minRounds} are done (ms)
	 */
	record Rule(int minRounds, double minMs, int maxRounds, double maxMs) {
		Rule {
			if (minRounds < 1 || maxRounds < minRounds || !(minMs >= 0) || !(maxMs >= minMs)) {
				throw new IllegalArgumentException("Bad timing rule: " + minRounds + " rounds, " + minMs + " ms, at most " + maxRounds + " rounds and "
					+ maxMs + " ms.");
			}
		}

		/** Whether round {@code done} (0-based count of rounds done) is still to run. */
		boolean more(int done, double bestMethodMs, double bestFloorMs, double elapsedMs) {
			if (done < minRounds) return true;
			if (done >= maxRounds || elapsedMs >= maxMs) return false;
			return done * bestMethodMs < minMs || done * bestFloorMs < minMs;
		}
	}

	/** One timed run: returns its elapsed milliseconds (NaN when it cannot run). */
	@FunctionalInterface
	interface Timed extends DoubleSupplier {}

	/** Every round's times (wall ms; CPU ms of the whole process for the method and the floor). */
	record Result(double[] method, double[] floor, double[] own, double[] methodCpu, double[] floorCpu) {
		int rounds() {
			return method.length;
		}

		double methodMs() {
			return min(method);
		}

		double floorMs() {
			return min(floor);
		}

		double ownMs() {
			return min(own);
		}

		double methodCpuMs() {
			return min(methodCpu);
		}

		double floorCpuMs() {
			return min(floorCpu);
		}
	}

	/** A full collection runs at most this often (ms of timed work between two), before a round. */
	static final double GC_EVERY_MS = 200;

	private Timing() {}

	/** Runs the rounds; {@code own} may be null (no replay). */
	static Result run(Rule rule, Timed method, Timed floor, Timed own) {
		int cap = rule.maxRounds();
		double[] m = new double[Math.min(cap, 64)], f = m.clone(), o = m.clone(), mc = m.clone(), fc = m.clone();
		double bestM = Double.POSITIVE_INFINITY, bestF = Double.POSITIVE_INFINITY, sinceGc = Double.POSITIVE_INFINITY;
		long start = System.nanoTime();
		int i = 0;
		for (; rule.more(i, bestM, bestF, (System.nanoTime() - start) / 1e6); i++) {
			if (i == m.length) {
				int len = Math.min(cap, 2 * m.length);
				m = Arrays.copyOf(m, len);
				f = Arrays.copyOf(f, len);
				o = Arrays.copyOf(o, len);
				mc = Arrays.copyOf(mc, len);
				fc = Arrays.copyOf(fc, len);
			}
			if (sinceGc >= GC_EVERY_MS) {
				System.gc();
				sinceGc = 0;
			}
			for (int k = 0; k < 3; k++) {
				long cpu0 = Bench.processCpuNanos();
				switch ((i + k) % 3) {
					case 0 -> {
						m[i] = method.getAsDouble();
						mc[i] = (Bench.processCpuNanos() - cpu0) / 1e6;
					}
					case 1 -> {
						f[i] = floor.getAsDouble();
						fc[i] = (Bench.processCpuNanos() - cpu0) / 1e6;
					}
					default -> o[i] = own == null ? Double.NaN : own.getAsDouble();
				}
			}
			bestM = Math.min(bestM, m[i]);
			bestF = Math.min(bestF, f[i]);
			sinceGc += m[i] + f[i] + (Double.isNaN(o[i]) ? 0 : o[i]);
		}
		return new Result(Arrays.copyOf(m, i), Arrays.copyOf(f, i), Arrays.copyOf(o, i), Arrays.copyOf(mc, i), Arrays.copyOf(fc, i));
	}

	static double min(double[] v) {
		double best = Double.NaN;
		for (double x : v) if (!Double.isNaN(x) && !(x >= best)) best = x;
		return best;
	}
}
