package org.conceptscope.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.conceptscope.metrics.MegeReco;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.Box;
import org.conceptscope.verify.BoundMethod;
import org.conceptscope.verify.Eva;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.IntervalPropagation;
import org.conceptscope.verify.LinearBounds;
import org.conceptscope.verify.MarginBounds;
import org.conceptscope.verify.Verification;

/**
 * Verified bounds and EVA, timed: per model and image, one interval pass, one CROWN bound
 * computation (per-neuron intermediate bounds plus the margin), an EVA map with each, and how
 * wide the margin bounds are. On the 224x224 model CROWN is refused by its cost estimate, which
 * is reported; EVA with intervals there is one pass per cell plus one, so it is given as that
 * product of a measured pass. Also the time per Adam step of the models MeGe/ReCo retrain (the
 * bundled models' architectures, batch 32), which is what a mege_reco run mostly spends. Times are
 * the best of the repetitions (other processes only add).
 * <p>
 * {@code VerifyBench --config smoke|full --models <test-images/models> --out <folder> [--cache <folder>]}.
 */
public final class VerifyBench {

	/** One model's numbers, per image (means over the images, best of repetitions for times). */
	public record Row(String model, int images, double epsilon, int grid, double intervalMs, double crownMs, double crownGmac,
		double evaIntervalMs, double evaCrownMs, double intervalWidth, double crownWidth, String note) {}

	/** Milliseconds per Adam step (batch 32) of a model's architecture, best of the repetitions. */
	public record Training(String model, String architecture, int steps, double msPerStep) {}

	public record Report(List<Row> rows, List<Training> training) {}

	private VerifyBench() {}

	public static void main(String[] args) throws IOException {
		Bench.Options o = Bench.parse(args);
		Report r = run(o, System.out);
		String md = table(r.rows()) + "\n" + trainingTable(r.training());
		System.out.println(md);
		Files.createDirectories(o.out());
		Files.writeString(o.out().resolve("verify-results.md"), Bench.environment(o) + "\n\n" + md, StandardCharsets.UTF_8);
		System.exit(0);
	}

	public static Report run(Bench.Options o, PrintStream log) throws IOException {
		TensorFlowEngine.start();
		boolean full = o.size() == Bench.Size.FULL;
		int images = full ? 4 : 1, grid = full ? 8 : 2, repeats = full ? 3 : 1;
		List<Row> rows = new ArrayList<>();
		List<String> names = full ? List.of("ihc-stain", "ct-tissue", "known-answer") : List.of("ct-tissue");
		for (String name : names) rows.add(measure(name, o.models().resolve(name), images, grid, repeats, false, log));
		if (full) rows.add(measure(LargeModel.NAME, LargeModel.ensure(o.cache()), 1, grid, 1, true, log));
		List<Training> training = new ArrayList<>();
		for (String name : full ? List.of("ihc-stain", "ct-tissue") : List.of("ct-tissue")) {
			Training t = training(name, o.models().resolve(name), full ? 100 : 5, repeats);
			log.println(t);
			training.add(t);
		}
		return new Report(rows, training);
	}

	/** Trains the model's recorded architecture on random images: what each fold model of mege_reco costs per step. */
	static Training training(String name, Path dir, int steps, int repeats) {
		CnnArchitecture arch;
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			arch = MegeReco.architectureFor(m, null);
		}
		FloatTensor x = Bench.randomImages(256, arch.height(), arch.width(), arch.channels(), 7);
		int[] labels = new int[256];
		for (int i = 0; i < labels.length; i++) labels[i] = i % arch.numClasses();
		CnnTrainer.train(arch, x, labels, new TrainingOptions(2, 32, 0.003, 1), Progress.NONE); // warm-up
		double ms = best(repeats, () -> CnnTrainer.train(arch, x, labels, new TrainingOptions(steps, 32, 0.003, 1), Progress.NONE));
		return new Training(name, arch.describe(), steps, ms / steps);
	}

	public static String trainingTable(List<Training> rows) {
		StringBuilder s = new StringBuilder("| model (architecture retrained by mege_reco) | steps timed | ms per Adam step (batch 32) |\n| --- | ---: | ---: |\n");
		for (Training t : rows) s.append(String.format(Locale.ROOT, "| %s: %s | %d | %.1f |%n", t.model(), t.architecture(), t.steps(), t.msPerStep()));
		return s.toString();
	}

	static Row measure(String name, Path dir, int n, int grid, int repeats, boolean large, PrintStream log) {
		double eps = 0.01;
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			long[] in = m.signature().input().shape();
			FloatTensor x = Bench.randomImages(n, (int) in[1], (int) in[2], (int) in[3], 42);
			int[] targets = m.logits(x).argmaxRows();
			GraphProgram p = GraphProgram.of(m);
			double interval = 0, crown = 0, evaInterval = 0, evaCrown = 0, wi = 0, wc = 0, gmac = 0;
			String note = null;
			for (int i = 0; i < n; i++) {
				FloatTensor xi = x.slice(i);
				Box ball = Verification.ball(xi, eps, null);
				int t = targets[i];
				MarginBounds.Bounds[] bi = new MarginBounds.Bounds[1];
				interval += best(repeats, () -> bi[0] = MarginBounds.interval(p, ball, t)) / n;
				wi += (bi[0].upper() - bi[0].lower()) / n;
				Map<String, Box> ibp = IntervalPropagation.propagate(p, ball);
				gmac = LinearBounds.estimatedCost(p, ibp) / 1e9;
				if (gmac * 1e9 > LinearBounds.MAX_COST) {
					note = String.format(Locale.ROOT, "CROWN refused: about %.0f billion multiply-adds per image; EVA with intervals ="
						+ " %d cells + 1 passes of %.0f ms", gmac, grid * grid, interval);
					evaInterval = (grid * grid + 1) * interval;
					continue;
				}
				MarginBounds.Bounds[] bc = new MarginBounds.Bounds[1];
				crown += best(repeats, () -> bc[0] = Verification.margin(p, LinearBounds.intermediate(p, ball, Progress.NONE), t, BoundMethod.CROWN)) / n;
				wc += (bc[0].upper() - bc[0].lower()) / n;
				int[] ti = { t };
				evaInterval += best(repeats, () -> new Eva(eps, grid, BoundMethod.INTERVAL).explain(m, xi, ti, Progress.NONE)) / n;
				evaCrown += best(repeats, () -> new Eva(eps, grid, BoundMethod.CROWN).explain(m, xi, ti, Progress.NONE)) / n;
			}
			Row r = note != null ? new Row(name, n, eps, grid, interval, Double.NaN, gmac, evaInterval, Double.NaN, wi, Double.NaN, note)
				: new Row(name, n, eps, grid, interval, crown, gmac, evaInterval, evaCrown, wi, wc, null);
			log.println(r);
			return r;
		}
	}

	private static double best(int repeats, Runnable r) {
		double best = Double.POSITIVE_INFINITY;
		for (int i = 0; i < repeats; i++) {
			long t0 = System.nanoTime();
			r.run();
			best = Math.min(best, (System.nanoTime() - t0) / 1e6);
		}
		return best;
	}

	public static String table(List<Row> rows) {
		StringBuilder s = new StringBuilder("| model | images | epsilon | EVA grid | interval bounds ms | CROWN bounds ms | CROWN cost (G multiply-adds) |"
			+ " EVA interval ms | EVA CROWN ms | margin bound width, interval | margin bound width, CROWN |\n");
		s.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (Row r : rows) {
			s.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %.1f | %s | %.2f | %.0f | %s | %.3g | %s |%n", r.model(), r.images(),
				r.epsilon(), r.grid(), r.intervalMs(), num(r.crownMs(), "%.0f"), r.crownGmac(), r.evaIntervalMs(), num(r.evaCrownMs(), "%.0f"),
				r.intervalWidth(), num(r.crownWidth(), "%.3g")));
		}
		for (Row r : rows) if (r.note() != null) s.append('\n').append(r.model()).append(": ").append(r.note()).append('\n');
		return s.toString();
	}

	private static String num(double v, String f) {
		return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, f, v);
	}
}
