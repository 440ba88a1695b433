package org.conceptscope.fiji.command;

import ij.Macro;

import java.lang.reflect.Field;
import java.util.List;

import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleRunner;
import org.scijava.module.ModuleService;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.PluginService;

/**
 * A JVM as Fiji's {@code ImageJ -batch macro.ijm} runs a macro's {@code run("Attribution...", options)}: ImageJ's
 * arguments say -batch, and the SciJava command's preprocessors (the real MacroOptionsPreprocessor) run on a macro
 * thread with the options given as this program's argument. Prints "still running" if the macro was not stopped.
 */
public final class BatchRefusalChild {

	private BatchRefusalChild() {}

	public static void main(String[] args) throws Exception {
		Field arguments = ij.ImageJ.class.getDeclaredField("arguments");
		arguments.setAccessible(true);
		arguments.set(null, new String[] { "-batch", "refusal.ijm" });
		Context context = new Context();
		CommandInfo info = context.service(CommandService.class).getCommand(AttributionCommand.class);
		Module module = context.service(ModuleService.class).createModule(info);
		List<PreprocessorPlugin> preprocessors = context.service(PluginService.class).createInstancesOfType(PreprocessorPlugin.class);
		Thread macro = new Thread(() -> {
			Macro.setOptions(Thread.currentThread(), args[0]);
			new ModuleRunner(context, module, preprocessors, List.of()).preProcess();
		}, "Run$_macro");
		macro.start();
		macro.join();
		System.out.println("still running");
		context.dispose();
	}
}
