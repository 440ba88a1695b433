package org.conceptscope.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.util.Digests;
import org.conceptscope.util.Folders;

/**
 * The batch runner on Apache Spark: {@code java -jar conceptscope-spark.jar input=... model=...
 * save_dir=... [method=... and every other batch-runner key] [master=local[*]]}, or the same
 * arguments after {@code spark-submit --class org.conceptscope.spark.SparkBatch}. The keys, the
 * checks and their sentences, the resume after a stop and the result files are the batch
 * runner's ({@link Batch}); Spark computes the parts, one task per part ({@link SparkParts}). It
 * also writes the results table as Parquet, {@code <name>-<method>-results.parquet}.
 * <p>
 * Spark starts only when parts are left to compute: a bad key is reported before, and a finished
 * run is not started again. Exit status as the batch runner's.
 */
public final class SparkBatch {

	/** The Spark master; default the one spark-submit gives, else every core of this machine. */
	public static final String MASTER = "master";
	static final String MODEL = "model", DEFAULT_MASTER = "local[*]";

	static final String USAGE = String.join("\n",
		"Usage: java -jar conceptscope-spark.jar input=<stack, or folder of images> model=<model folder> save_dir=<folder>",
		"           [method=saliency and any other key of the batch runner] [master=" + DEFAULT_MASTER + "]",
		"   or: spark-submit --class " + SparkBatch.class.getName() + " --master <url> conceptscope-spark.jar input=... model=... save_dir=...",
		"Computes the batch runner's parts on Apache Spark, one task per part, and writes the batch runner's files",
		"(<name>-<method>-results.csv, -map.tif, -map-RoiSet.zip) plus <name>-<method>-results.parquet. input and save_dir",
		"must be paths every executor sees; the model is shipped to the executors. A stopped run resumes.",
		"CRAFT concepts over a cohort: java -jar conceptscope-spark.jar " + SparkConcepts.COMMAND + " (no keys: its usage).",
		"MeGe/ReCo with the fold models trained in parallel: java -jar conceptscope-spark.jar " + SparkMegeReco.COMMAND
			+ " (no keys: its usage).");

	private SparkBatch() {}

	/**
	 * The launcher's entry: the batch job, or with {@code concepts} first the cohort concept job
	 * ({@link SparkConcepts}), with {@code mege_reco} first MeGe/ReCo ({@link SparkMegeReco}).
	 */
	public static void main(String[] args) {
		launcherLogging();
		DjlGpuCount.drop(); // under spark-submit too, where the launcher's file is not read
		if (args.length > 0 && args[0].equals(SparkConcepts.COMMAND)) {
			System.exit(SparkConcepts.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
		}
		if (args.length > 0 && args[0].equals(SparkMegeReco.COMMAND)) {
			System.exit(SparkMegeReco.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err, SparkParts.TaskHook.NONE));
		}
		System.exit(run(args, System.out, System.err, SparkParts.TaskHook.NONE));
	}

	/** The launcher's log4j2 configuration (WARN and above to stderr), a resource of this jar. */
	static final String LAUNCHER_LOGGING = "launcher-log4j2.properties";

	/**
	 * Under {@code java -jar}, before anything logs: Spark's warnings and errors on stderr without its INFO
	 * lines ({@link #LAUNCHER_LOGGING}), unless the user names a log4j2 configuration (the system property
	 * or environment variable log4j2 reads). Under spark-submit, which sets SPARK_SUBMIT, the cluster's
	 * configuration stays in force.
	 */
	static void launcherLogging() {
		if (System.getProperty("SPARK_SUBMIT") != null || System.getProperty("spark.submit.deployMode") != null) return;
		if (System.getProperty("log4j2.configurationFile") != null || System.getProperty("log4j.configurationFile") != null
			|| System.getenv("LOG4J_CONFIGURATION_FILE") != null) return;
		java.net.URL config = SparkBatch.class.getResource(LAUNCHER_LOGGING);
		if (config != null) System.setProperty("log4j2.configurationFile", config.toString());
	}

	/** Runs the job; the Spark context lives for this call only. */
	static int run(String[] args, PrintStream out, PrintStream err, SparkParts.TaskHook hook) {
		if (args.length == 0 || args.length == 1 && List.of("help", "--help", "-h").contains(args[0])) {
			err.println(USAGE);
			return args.length == 0 ? 2 : 0;
		}
		String master = System.getProperty("spark.master", DEFAULT_MASTER);
		List<String> batchArgs = new ArrayList<>();
		Path model = null;
		for (String a : args) {
			// keys read as the batch runner reads them (trimmed, any case), so Model= is model= here too
			String[] keyValue = new String[2];
			org.conceptscope.fiji.param.OptionText.scan(new String[] { a }, (k, v) -> {
				keyValue[0] = k;
				keyValue[1] = v;
			});
			if (MASTER.equals(keyValue[0])) {
				master = keyValue[1];
			} else {
				batchArgs.add(a);
				if (MODEL.equals(keyValue[0]) && !keyValue[1].isBlank()) model = Path.of(keyValue[1]);
			}
		}
		if (master.isBlank()) {
			err.println("ConceptScope Spark: master= is empty: give a Spark master URL (local[*], spark://host:7077, yarn, k8s://...) or leave the key out.");
			return 2;
		}
		String[] forBatch = batchArgs.toArray(String[]::new);
		try (LazyContext spark = new LazyContext(master)) {
			List<Path> results = new ArrayList<>();
			BatchJob.Events events = new BatchJob.Events() {
				@Override
				public void results(List<Path> outputs) {
					results.addAll(outputs);
				}
			};
			// Without a model= the batch runner says what is missing before anything is asked of Spark.
			SparkParts parts = model == null ? null : new SparkParts(spark::get, forBatch, model, hook, err);
			int status = Batch.run(forBatch, out, err, events, parts);
			if (status != 0 || results.isEmpty()) return status;
			try {
				Path csv = results.get(0), parquet = parquet(csv);
				String source = Digests.sha256(csv); // read once: to judge the table and, when it is remade, to label it
				if (!current(parquet, source)) {
					writeParquet(spark.session(), csv, parquet, source, TEXT_COLUMNS);
					out.println(parquet);
				}
				return 0;
			} catch (Exception e) { // Spark's AnalysisException is a checked exception that Scala throws undeclared: it once escaped as a stack trace
				err.println("ConceptScope Spark: the results are written, but not their Parquet table: " + e.getMessage());
				return 1;
			}
		}
	}

	/** Inside a Parquet folder, the SHA-256 of the CSV it was made from (Spark's readers skip names starting with _). */
	static final String SOURCE_HASH = "_conceptscope-source.sha256";

	/**
	 * Whether the Parquet table was made from the results CSV whose SHA-256 is {@code csvHash}: judged by
	 * the CSV's content (a copy that keeps old times, cp -p or rsync -a, fools a comparison of times). A
	 * resumed run that found its results finished keeps the table; a run that wrote new results (other
	 * settings, restart) does not.
	 */
	static boolean current(Path parquet, String csvHash) throws IOException {
		Path hash = parquet.resolve(SOURCE_HASH);
		return Files.isRegularFile(hash) && Files.readString(hash).strip().equals(csvHash);
	}

	/** {@code x-results.csv} → {@code x-results.parquet}. */
	static Path parquet(Path csv) {
		String name = csv.getFileName().toString();
		return csv.resolveSibling(name.substring(0, name.length() - ".csv".length()) + ".parquet");
	}

	/**
	 * The columns of the batch runner's tables that hold names, not numbers: the file, the slice's label, class
	 * names, the method, the ROI's name and the region mode. A name that looks like a number ("007", a
	 * class "0") or a date stays the text the CSV holds.
	 */
	static final Set<String> TEXT_COLUMNS = Set.of("file", "label", "predicted", "target", "method", "roi", "mode");

	/**
	 * The results CSV as a Parquet table (one file), written beside it in a temporary folder and
	 * renamed over any older table: the table is complete or absent. Column names lose the characters Parquet refuses.
	 */
	static void writeParquet(SparkSession session, Path csv, Path parquet) throws IOException {
		writeParquet(session, csv, parquet, Digests.sha256(csv), TEXT_COLUMNS);
	}

	/**
	 * {@link #writeParquet(SparkSession, Path, Path)} of a CSV whose SHA-256 the caller has; the columns
	 * {@code text} are strings, the others' types are inferred from their values.
	 */
	static void writeParquet(SparkSession session, Path csv, Path parquet, String csvHash, Set<String> text) throws IOException {
		// The CSV's records, not its path: Spark reads a path as a Hadoop glob ('[2024]' in a folder name) on the
		// cluster's default file system (HDFS under YARN); the table is written to this machine's file system by URI.
		Dataset<String> lines = session.createDataset(records(Files.readString(csv, java.nio.charset.StandardCharsets.UTF_8)),
			org.apache.spark.sql.Encoders.STRING());
		// a quote inside a quoted field is doubled (RFC 4180), as the results CSV writes it; Spark's default escape is a backslash
		StructType inferred = session.read().option("header", "true").option("inferSchema", "true").option("escape", "\"").csv(lines).schema();
		// Inference would read a slice label "007" as the number 7, a label "2024-03-05" as a date and class names "0", "1" as
		// numbers: the name columns are read as the text they are.
		StructField[] fields = inferred.fields().clone();
		for (int i = 0; i < fields.length; i++) {
			if (text.contains(fields[i].name())) fields[i] = new StructField(fields[i].name(), DataTypes.StringType, true, Metadata.empty());
		}
		Dataset<Row> table = session.read().option("header", "true").option("escape", "\"").schema(new StructType(fields)).csv(lines);
		String[] names = table.columns();
		for (int i = 0; i < names.length; i++) names[i] = names[i].replaceAll("[ ,;{}()\\n\\t=]", "_");
		String prefix = "." + parquet.getFileName() + ".tmp-";
		try (java.util.stream.Stream<Path> left = Files.list(parquet.getParent())) {
			// a killed run's temporary table, named by its process: never used again (another live run's is left alone)
			for (Path p : left.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
				String pid = p.getFileName().toString().substring(prefix.length());
				boolean alive = pid.matches("\\d{1,18}") && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
				if (!alive) Folders.deleteTreeQuietly(p);
			}
		}
		Path temporary = parquet.resolveSibling(prefix + ProcessHandle.current().pid());
		try {
			table.toDF(names).coalesce(1).write().parquet("file://" + temporary.toAbsolutePath());
			Files.writeString(temporary.resolve(SOURCE_HASH), csvHash + "\n");
			Folders.replace(temporary, parquet); // a rerun's table replaces the last one
		} finally {
			Folders.deleteTree(temporary);
		}
	}

	/**
	 * The records of a CSV text: split at line breaks outside quotes, so a quoted field that holds one (a
	 * slice label) stays in its row; a record's closing CR is dropped, as are empty lines.
	 */
	static List<String> records(String text) {
		List<String> out = new java.util.ArrayList<>();
		boolean quoted = false;
		int start = 0;
		for (int i = 0; i <= text.length(); i++) {
			char ch = i < text.length() ? text.charAt(i) : '\n';
			if (ch == '"') quoted = !quoted; // a doubled quote inside a field toggles twice
			else if (ch == '\n' && (!quoted || i == text.length())) {
				int end = i > start && text.charAt(i - 1) == '\r' ? i - 1 : i;
				if (end > start) out.add(text.substring(start, end));
				start = i + 1;
			}
		}
		return out;
	}

	/** A Spark context started at first use and stopped at the end of the run. */
	static final class LazyContext implements AutoCloseable {

		/** Spark sessions this JVM has started for runs. */
		static final java.util.concurrent.atomic.AtomicInteger STARTED = new java.util.concurrent.atomic.AtomicInteger();

		private final String master;
		private SparkSession session;

		LazyContext(String master) {
			this.master = master;
		}

		synchronized SparkSession session() {
			if (session == null) {
				SparkConf conf = new SparkConf().setAppName("ConceptScope").setMaster(master);
				if (master.startsWith("local")) conf.setIfMissing("spark.ui.enabled", "false");
				// Parts stream through the driver to save_dir, one at a time; their total may exceed the default cap.
				conf.setIfMissing("spark.driver.maxResultSize", "0");
				session = SparkSession.builder().config(conf).getOrCreate();
				DjlGpuCount.drop(); // Spark may have reconfigured log4j2 as it started
				STARTED.incrementAndGet();
			}
			return session;
		}

		JavaSparkContext get() {
			return JavaSparkContext.fromSparkContext(session().sparkContext());
		}

		@Override
		public synchronized void close() {
			if (session == null) return;
			org.apache.spark.SparkContext sc = session.sparkContext();
			try {
				session.stop();
			} finally {
				ModelArchive.release(sc); // the archives shipped: no executor fetches them any more
				session = null;
			}
		}
	}
}
