package org.conceptscope.fiji.command;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.scijava.Context;
import org.scijava.Priority;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.log.LogService;
import org.scijava.module.ModuleItem;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.run.AbstractCodeRunner;
import org.scijava.run.CodeRunner;
import org.scijava.service.Service;

/**
 * Runs ConceptScope's commands for {@code ImageJ --headless --run "<command>" "k='v',..."} as
 * SciJava's own runner does, but first checks the keys: SciJava answers a key the command does
 * not have with "No such input" and a stack trace; here the Log gets one sentence naming the key
 * and the command's keys, and nothing runs.
 */
@Plugin(type = CodeRunner.class, priority = Priority.HIGH)
public final class ConsoleRunArguments extends AbstractCodeRunner {

	@Parameter
	private CommandService commandService;

	@Parameter
	private LogService log;

	@Override
	public boolean supports(Object code) {
		return info(code) != null;
	}

	@Override
	public void run(Object code, Object... args) throws InvocationTargetException {
		waitFor(commandService.run(info(code), true, args));
	}

	@Override
	public void run(Object code, Map<String, Object> inputs) throws InvocationTargetException {
		CommandInfo info = info(code);
		String problem = unknownKeys(info, inputs.keySet());
		if (problem != null) {
			log.error(problem);
			return;
		}
		waitFor(commandService.run(info, true, inputs));
	}

	/** The sentence for keys the command does not have, or null when it has them all. */
	static String unknownKeys(CommandInfo info, java.util.Collection<String> given) {
		List<String> keys = new ArrayList<>();
		for (ModuleItem<?> item : info.inputs()) {
			Class<?> type = item.getType();
			if (!Service.class.isAssignableFrom(type) && !Context.class.isAssignableFrom(type)) keys.add(item.getName());
		}
		List<String> unknown = given.stream().filter(k -> !keys.contains(k)).toList();
		if (unknown.isEmpty()) return null;
		String title = info.getTitle() == null ? info.getClassName() : info.getTitle();
		return title + " has no option" + (unknown.size() == 1 ? " '" + unknown.get(0) + "'" : "s '" + String.join("', '", unknown) + "'")
			+ "; its keys are: " + String.join(" ", keys) + ". Check the spelling in the arguments of --run; nothing was run.";
	}

	/** A ConceptScope command named by its class, class name or menu title; null for anything else. */
	private CommandInfo info(Object code) {
		CommandInfo info = null;
		if (code instanceof Class<?> c) {
			info = commandService.getCommand(c.getName());
		} else if (code instanceof String s) {
			info = commandService.getCommand(s);
			if (info == null) {
				for (CommandInfo i : commandService.getCommands()) {
					if (s.equals(i.getTitle())) {
						info = i;
						break;
					}
				}
			}
		}
		return info != null && info.getClassName().startsWith("org.conceptscope.") ? info : null;
	}
}
