package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;

import ij.ImagePlus;
import ij.measure.ResultsTable;

import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptImportance;
import org.conceptscope.concepts.ConceptEstimator;
import org.conceptscope.registry.Registry;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Concept Importance, whichever way it is started: how much each concept of a saved bank drives
 * the bank's class on a stack or a folder of images, by one estimator (Sobol total indices,
 * gradient x coefficient, or the logit drop when a concept is deleted). A table (one row per
 * concept, with its rank and the importance stored in the bank), a bar plot, and with a save
 * folder {@code <bank>-importance-<estimator>.csv} and {@code .png}; with {@code update_bank} also
 * the bank with these importances under its own file name. The images are only read.
 */
public final class ConceptImportanceRun {

	/** What the command gives back; {@code written} is empty when nothing was saved. */
	public record Result(ConceptBank bank, double[] importance, List<String> header, List<List<String>> rows, ImagePlus plot,
		List<Path> written) {

		public ResultsTable table() {
			return org.conceptscope.fiji.write.ResultsTables.of(header, rows);
		}
	}

	private ConceptImportanceRun() {}

	/**
	 * @param image the current image, used when no folder is set
	 * @throws IllegalArgumentException for inputs a user can fix (the message says how)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static Result run(ImagePlus image, ConceptImportanceSettings s, Progress progress) throws IOException {
		s.validate();
		if (s.saveDir == null && GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, the command needs " + ConceptImportanceSettings.SAVE_DIR
				+ "=[folder] for the importance table and plot: nothing could be shown.");
		}
		ConceptBank bank = ConceptBanks.load(s.concepts);
		ConceptDiscoveryRun.checkInputs(image, s.folder);
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, earlierOutputs(s));
		try (Classifier classifier = Models.open(s.model)) {
			// the bank, the model and the estimator are checked before the folder is read
			ConceptBanks.checkLayer(classifier, bank, s.concepts, s.model);
			classifier.requireSplit(bank.layer); // every estimator feeds the layer
			if (bank.classIndex < 0 || bank.classIndex >= classifier.numClasses()
				|| !classifier.classNames().get(bank.classIndex).equals(bank.className)) {
				throw new IllegalArgumentException("The concepts in " + s.concepts + " are of class '" + bank.className + "' (index "
					+ bank.classIndex + "), which model " + s.model + " does not have there: use the model they were discovered with.");
			}
			ConceptEstimator estimator = Registry.conceptEstimator(s.estimator,
				java.util.Map.of(ConceptImportanceSettings.DESIGNS, s.designs, ConceptImportanceSettings.SEED, s.seed));
			if (estimator.needsGradients()) classifier.requireGradients("Concept importance by gradient");
			if (ConceptImportanceSettings.SOBOL.equals(s.estimator)) ConceptImportance.checkSobol(bank.size(), s.designs);
			ImageSet images = ConceptDiscoveryRun.inputs(image, s.folder, progress);
			FloatTensor batch = Models.input(ModelSizeInputs.samples(images, classifier, CommandSpecs.CONCEPT_IMPORTANCE), classifier);
			double[] importance = estimator.importance(classifier, bank, batch, progress);
			List<String> header = List.of("concept", "estimator", "importance", "rank", "bank_importance");
			List<List<String>> rows = rows(bank, s.estimator, importance);
			ImagePlus plot = ConceptDiscoveryRun.plot("Concept importance " + bank.className + " (" + s.estimator + ")",
				yLabel(s.estimator), importance);
			plot.setProperty("Info", "options=" + s.toMacroOptions() + "\n");
			Result r = new Result(bank, importance, header, rows, plot, List.of());
			ij.IJ.log(logLine(s.estimator, importance)); // the Log (stdout headless), from the plugin and the SciJava command alike
			return s.saveDir == null ? r : save(r, s);
		}
	}

	/** Per concept: the new importance, its rank (1 = largest) and what the bank held (NaN: nothing). */
	static List<List<String>> rows(ConceptBank bank, String estimator, double[] importance) {
		List<List<String>> rows = new ArrayList<>();
		for (int c = 0; c < importance.length; c++) {
			int rank = 1;
			for (double v : importance) if (v > importance[c]) rank++;
			double stored = bank.importance != null && c < bank.importance.length ? bank.importance[c] : Double.NaN;
			rows.add(List.of(Integer.toString(c + 1), estimator, Numbers.number(importance[c]), Integer.toString(rank),
				Numbers.number(stored)));
		}
		return rows;
	}

	static String yLabel(String estimator) {
		return switch (estimator) {
			case ConceptImportanceSettings.SOBOL -> "Sobol total index";
			case ConceptImportanceSettings.GRADIENT -> "gradient x coefficient (logit)";
			default -> "logit drop when removed";
		};
	}

	/** "ConceptScope concept importance (deletion): 1=0.12 2=..." */
	static String logLine(String estimator, double[] importance) {
		StringBuilder line = new StringBuilder("ConceptScope concept importance (" + estimator + "):");
		for (int c = 0; c < importance.length; c++) line.append(' ').append(c + 1).append('=').append((float) importance[c]);
		return line.toString();
	}

	/** What {@link #save} writes in save_dir: {@code <bank>-importance-<estimator>.csv} and {@code .png}, with update_bank the bank under its own name. */
	static List<String> files(ConceptImportanceSettings s) {
		String bankName = s.concepts.getFileName().toString();
		String base = AttributionOutputs.fileName((bankName.endsWith(".json") ? bankName.substring(0, bankName.length() - 5) : bankName)
			+ "-importance-" + s.estimator);
		return s.updateBank ? List.of(base + ".csv", base + ".png", bankName) : List.of(base + ".csv", base + ".png");
	}

	/**
	 * The {@link #files} an earlier run left, which a run without overwrite refuses to replace: not the bank that
	 * update_bank saves again where it was read (save_dir its own folder), which is this run's input, updated as asked.
	 * A bank of that name beside another bank's files is still an earlier output.
	 */
	static List<String> earlierOutputs(ConceptImportanceSettings s) throws IOException {
		List<String> files = files(s);
		if (!s.updateBank || s.saveDir == null) return files;
		Path bank = s.saveDir.resolve(files.get(2));
		boolean itself = java.nio.file.Files.exists(bank) && java.nio.file.Files.isSameFile(bank, s.concepts);
		return itself ? files.subList(0, 2) : files;
	}

	static Result save(Result r, ConceptImportanceSettings s) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(s.saveDir);
			List<String> files = files(s);
			Path csv = s.saveDir.resolve(files.get(0)), png = s.saveDir.resolve(files.get(1));
			ResultsCsvWriter.write(r.header(), r.rows(), csv);
			ConceptDiscoveryRun.savePng(r.plot(), png);
			List<Path> written = new ArrayList<>(List.of(csv, png));
			if (s.updateBank) {
				r.bank().importance = r.importance().clone();
				r.bank().importanceEstimator = s.estimator;
				Path bank = s.saveDir.resolve(files.get(2));
				r.bank().save(bank);
				written.add(bank);
			}
			return new Result(r.bank(), r.importance(), r.header(), r.rows(), r.plot(), written);
		});
	}
}
