package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.RandomBaseline;
import org.conceptscope.fiji.image.LabelledFolder;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.metrics.MegeReco;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;

/**
 * Evaluate Explanation with {@code metric=mege_reco}: trains {@code folds} models of the model's
 * architecture with the project's Java trainer, each on all folds of the labelled folder but one,
 * explains every image with every model, and reports per method MeGe (how alike the maps of
 * models that agree and are right are) and ReCo (how well map distance separates agreeing from
 * disagreeing models). The model itself only gives its architecture, input, normalisation and
 * classes; the folder is only read. With a save folder: {@code <folder name>-mege_reco.csv}.
 */
public final class MegeRecoRun {

	/** Adam's settings for the fold models: those the bundled models were trained with. */
	static final int BATCH = org.conceptscope.ops.MetricOps.MEGE_BATCH;
	static final double LEARNING_RATE = org.conceptscope.ops.MetricOps.MEGE_LEARNING_RATE;

	private MegeRecoRun() {}

	static EvaluationRun.Result run(EvaluationSettings s, Progress progress) throws IOException {
		if (s.saveDir != null) SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, List.of(file(s)));
		try (TensorFlowClassifier model = Models.openTensorFlow(s.model, "MeGe/ReCo")) {
			CnnArchitecture arch = MegeReco.architectureFor(model, s.architecture);
			LabelledFolder.Data data = Models.labelledFolder(s.folder, model, CommandSpecs.EVALUATE_EXPLANATION, progress);
			return report(s, evaluation(arch, s).evaluate(data.tensor(), data.labels(), data.images().sources(), methods(s), progress));
		}
	}

	/** The evaluation the settings ask for, its k models of this architecture. */
	public static MegeReco evaluation(CnnArchitecture architecture, EvaluationSettings s) {
		return new MegeReco(architecture, new TrainingOptions(s.trainingSteps, BATCH, LEARNING_RATE, s.seed), s.folds);
	}

	/** The {@code methods} compared, each with its defaults and the settings' seed. */
	public static List<AttributionMethod> methods(EvaluationSettings s) {
		List<AttributionMethod> methods = new ArrayList<>();
		for (String name : s.methodList()) {
			methods.add(name.equals(EvaluationSettings.RANDOM) ? new RandomBaseline(s.seed) : AttributionMethods.create(s.attribution(name)));
		}
		return methods;
	}

	/** The table's file in save_dir: {@code <folder name>-mege_reco.csv}. */
	static String file(EvaluationSettings s) {
		Path name = s.folder.toAbsolutePath().normalize().getFileName();
		return AttributionOutputs.fileName((name == null ? "images" : name.toString()) + "-" + EvaluationSettings.MEGE_RECO) + ".csv";
	}

	/** The results as Evaluate Explanation reports them: a table, a summary line and, with a save folder, the table's CSV. */
	public static EvaluationRun.Result report(EvaluationSettings s, List<MegeReco.Result> results) throws IOException {
		List<String> header = new ArrayList<>(List.of("method", "mege", "reco", "same_pairs", "different_pairs",
			"undefined_pairs"));
		for (int f = 1; f <= s.folds; f++) header.add("fold_" + f + "_accuracy");
		List<List<String>> rows = new ArrayList<>();
		StringBuilder summary = new StringBuilder(EvaluationSettings.MEGE_RECO + ":");
		for (MegeReco.Result r : results) {
			List<String> row = new ArrayList<>(List.of(r.method(), Numbers.number(r.mege()), Numbers.number(r.reco()),
				Integer.toString(r.samePairs()), Integer.toString(r.differentPairs()), Integer.toString(r.undefinedPairs())));
			for (double a : r.foldAccuracy()) row.add(Numbers.number(a));
			rows.add(row);
			summary.append(String.format(Locale.ROOT, " %s MeGe %.4f ReCo %.4f;", r.method(), r.mege(), r.reco()));
		}
		summary.setLength(summary.length() - 1);
		List<Path> written = List.of();
		if (s.saveDir != null) {
			Files.createDirectories(s.saveDir);
			Path csv = s.saveDir.resolve(file(s));
			ResultsCsvWriter.write(header, rows, csv);
			written = List.of(csv);
		}
		return new EvaluationRun.Result(null, header, rows, null, written, summary.toString());
	}
}
