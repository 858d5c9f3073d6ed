import { makeStyles } from '@material-ui/core';

const useStyles = makeStyles({
  svg: { width: 'auto', height: 30 },
});

/** A portolan chart's compass rose: the portal's mark. */
export const LogoIcon = () => {
  const classes = useStyles();
  return (
    <svg
      className={classes.svg}
      viewBox="0 0 32 32"
      xmlns="http://www.w3.org/2000/svg"
      role="img"
      aria-label="Portolan"
    >
      <circle
        cx="16"
        cy="16"
        r="14.5"
        fill="none"
        stroke="#7df3e1"
        strokeWidth="1.5"
      />
      <path d="M16 2 L19 16 L16 30 L13 16 Z" fill="#7df3e1" />
      <path d="M2 16 L16 13 L30 16 L16 19 Z" fill="#4fb3a6" />
      <circle cx="16" cy="16" r="2" fill="#0b2e2a" />
    </svg>
  );
};
